package filter

import (
	"strconv"
	"testing"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/internal/mint"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// BenchmarkRequestCachedTokenRevocation is BenchmarkRequestCachedToken with a fetched
// revocation list of 10^5 entries (issue 20: the cached path may not cost more than 1 µs
// more with revocation configured):
//
//	go test -run '^$' -bench 'RequestCachedToken' -benchmem -count 5 ./filter
func BenchmarkRequestCachedTokenRevocation(b *testing.B) {
	h := newHarness(b, localConfig(b, revSection("")))
	now := h.clock.now().Unix()
	var list mint.Revocations
	for i := 0; i < 90_000; i++ {
		list.JTI = append(list.JTI, mint.RevokeJTI("jti-"+strconv.Itoa(i), now+3600))
	}
	for i := 0; i < 10_000; i++ {
		list.Sub = append(list.Sub, mint.RevokeSub("sub-"+strconv.Itoa(i), now, now+3600))
	}
	h.host.Tick()
	h.answerList("200", `"big"`, list.JSON())
	if len(h.revFetches()) != 1 || h.counter("jwtguard.revocation.fetch_success") != 1 {
		b.Fatal("no list fetched")
	}
	tok := h.token(testKeys.RSA, map[string]any{"jti": "not-listed"})
	benchRequestsOn(b, h, "/api/x", func(*harness, int) [][2]string { return [][2]string{bearer(tok)} })
}

// BenchmarkCachedRevocationCheck isolates what revocation adds to a cache hit, without the
// emulator's per-request cost (which varies by microseconds on a shared machine):
//
//	go test -run '^$' -bench CachedRevocationCheck -benchmem -count 5 ./filter
//
// "none": no revocation configured; "unchanged": a list of 10^5 entries, no new list since
// the entry was checked (every hit but the first after a list arrives); "new list": the
// list changes before every hit, so every hit looks the token up in the 10^5 entries.
func BenchmarkCachedRevocationCheck(b *testing.B) {
	const token = "header.payload.signature"
	list := bigList(b, 100_000)
	for _, tc := range []struct {
		name    string
		rev     *revocationState
		newList bool
	}{
		{"none", nil, false},
		{"unchanged", &revocationState{cfg: &config.Revocation{}, list: list, fetcher: &fetcher[*jwtverify.RevocationList]{}}, false},
		{"new list", &revocationState{cfg: &config.Revocation{}, list: list, fetcher: &fetcher[*jwtverify.RevocationList]{}}, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			now := newTestClock().now()
			ks, keyID := verifiedKey(b)
			p := &providerState{keys: ks, rev: tc.rev}
			c := newTokenCache(16)
			c.put(token, verifiedToken{provider: p, keyID: keyID,
				revIDs: revocationIDs{JTI: "not-listed", Sub: "nobody", IAT: now.Unix(), HasIAT: true}})
			s := &stream{}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if tc.newList {
					tc.rev.generation++
				}
				e, ok := c.get(token, now)
				if !ok || s.cachedRevoked(e, now) {
					b.Fatal("not admitted")
				}
			}
		})
	}
}

// verifiedKey is a key set and the id of its key, as a verification returns it.
func verifiedKey(b *testing.B) (*jwtverify.KeySet, jwtverify.KeyID) {
	ks, err := jwtverify.ParseJWKS(mint.JWKS(testKeys.RSA))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := testKeys.RSA.Sign(map[string]any{"iss": "x"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := jwtverify.Parse(raw, jwtverify.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	id, err := tok.VerifySignature(ks, jwtverify.DefaultAlgorithms)
	if err != nil {
		b.Fatal(err)
	}
	return ks, id
}

func bigList(b *testing.B, n int) *jwtverify.RevocationList {
	now := newTestClock().now().Unix()
	var r mint.Revocations
	for i := 0; i < n-n/10; i++ {
		r.JTI = append(r.JTI, mint.RevokeJTI("jti-"+strconv.Itoa(i), now+3600))
	}
	for i := 0; i < n/10; i++ {
		r.Sub = append(r.Sub, mint.RevokeSub("sub-"+strconv.Itoa(i), now, now+3600))
	}
	l, err := jwtverify.ParseRevocations(r.JSON(), jwtverify.RevocationLimits{})
	if err != nil || l.Len() != n {
		b.Fatal(err)
	}
	return l
}
