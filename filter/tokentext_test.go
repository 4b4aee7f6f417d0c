package filter

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// sameText is checked against Go's == (the oracle) on every length around the word size
// and a difference at every position, and by FuzzSameText.
func TestSameTextMatchesEquality(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 40; n++ {
		a := make([]byte, n)
		for i := range a {
			a[i] = byte(rng.Uint32())
		}
		if !sameText(string(a), string(a)) {
			t.Fatalf("length %d: equal texts differ", n)
		}
		for pos := 0; pos < n; pos++ {
			for _, flip := range []byte{1, 0x80, 0xff} {
				b := append([]byte(nil), a...)
				b[pos] ^= flip
				if sameText(string(a), string(b)) != (string(a) == string(b)) {
					t.Fatalf("length %d, byte %d ^ %#x: sameText differs from ==", n, pos, flip)
				}
			}
		}
		if n > 0 && sameText(string(a), string(a[:n-1])) {
			t.Fatalf("length %d: a prefix is the same text", n)
		}
	}
}

func FuzzSameText(f *testing.F) {
	f.Add("", "")
	f.Add("abcdefgh", "abcdefgh")
	f.Add("abcdefghi", "abcdefghj")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "eyJhbGciOiJSUzI1NiJ9.e30.c2lm")
	f.Fuzz(func(t *testing.T, a, b string) {
		if sameText(a, b) != (a == b) {
			t.Fatalf("sameText(%q, %q) = %v", a, b, !(a == b))
		}
		if a == b && tokenHash(a) != tokenHash(strings.Clone(b)) {
			t.Fatalf("equal texts hash differently: %q", a)
		}
	})
}

// Distinct texts of a token's shape get distinct hashes (a collision only costs a miss,
// but many would make the cache useless).
func TestTokenHashSpreads(t *testing.T) {
	seen := map[uint64]string{}
	base := strings.Repeat("eyJhbGciOiJSUzI1NiJ9", 40)
	for i := 0; i < len(base); i++ {
		for _, c := range []byte{'A', 'B', '-', '_'} {
			b := []byte(base)
			b[i] = c
			s := string(b)
			h := tokenHash(s)
			if prev, ok := seen[h]; ok && prev != s {
				t.Fatalf("texts differing at byte %d collide", i)
			}
			seen[h] = s
		}
	}
}

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
