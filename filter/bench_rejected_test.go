package filter

import (
	"testing"
)

// What refusing an expired token costs, now that its signature is verified before its claims
// are described (verify.go):
//
//	go test -run '^$' -bench 'RequestExpired' -benchmem ./filter
//
// Unique: every token is new (a unique jti), so each costs one RS256 verification. Repeated:
// the same expired token again, refused from the cache of rejected tokens.
func benchRejected(b *testing.B, reasonWant string, headers func(h *harness, i int) [][2]string) {
	h := newHarness(b, localConfig(b, ""))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		hs := headers(h, i)
		b.StartTimer()
		id, _ := h.request("GET", "/api/x", hs...)
		b.StopTimer()
		if r := h.reply(id); r == nil || r.body["reason"] != reasonWant {
			b.Fatalf("request %d: %+v, want %s", i, r, reasonWant)
		}
		h.host.CompleteHttpContext(id)
		b.StartTimer()
	}
}

func BenchmarkRequestExpiredUnique(b *testing.B) {
	benchRejected(b, "token_expired", func(h *harness, i int) [][2]string {
		return [][2]string{bearer(h.token(testKeys.RSA, map[string]any{"jti": i, "exp": h.clock.now().Unix() - 3600}))}
	})
}

func BenchmarkRequestExpiredRepeated(b *testing.B) {
	var tok string
	benchRejected(b, "token_expired", func(h *harness, _ int) [][2]string {
		if tok == "" {
			tok = h.token(testKeys.RSA, map[string]any{"exp": h.clock.now().Unix() - 3600})
		}
		return [][2]string{bearer(tok)}
	})
}
