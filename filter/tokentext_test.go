package filter

import (
	"testing"
)

// A cache whose texts all collide still answers only for the identical text: the newer of
// two colliding texts replaces the older, which is then a miss.
func TestTokenCacheHashCollision(t *testing.T) {
	prov := &providerState{}
	tests := []struct {
		name string
		run  func(t *testing.T, c *tokenCache)
	}{
		{"newer text replaces older", func(t *testing.T, c *tokenCache) {
			c.put("aaaa.bbbb.cccc", verifiedToken{provider: prov, keyID: "k"})
			c.put("aaaa.bbbb.dddd", verifiedToken{provider: prov, keyID: "k"})
			if c.holds(c.ref("aaaa.bbbb.cccc")) {
				t.Fatal("the replaced text is still held")
			}
			if !c.holds(c.ref("aaaa.bbbb.dddd")) {
				t.Fatal("the newer text is not held")
			}
			if c.len() != 1 {
				t.Fatalf("%d entries, want 1", c.len())
			}
		}},
		{"lookup of a colliding text misses", func(t *testing.T, c *tokenCache) {
			c.put("aaaa.bbbb.cccc", verifiedToken{provider: prov, keyID: "k"})
			r := c.ref("zzzz.yyyy.xxxx")
			if c.holds(r) {
				t.Fatal("a colliding text is held")
			}
			if !c.holds(c.ref("aaaa.bbbb.cccc")) {
				t.Fatal("the stored text is not held")
			}
		}},
		{"a ref goes stale when the cache changes", func(t *testing.T, c *tokenCache) {
			c.put("aaaa.bbbb.cccc", verifiedToken{provider: prov, keyID: "k"})
			r := c.ref("aaaa.bbbb.cccc")
			c.drop("aaaa.bbbb.cccc")
			if c.holds(r) {
				t.Fatal("a ref taken before a drop still holds")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTokenCache(4)
			c.hash = func(string) uint64 { return 7 }
			tc.run(t, c)
		})
	}
}
