package filter

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Request-path benchmarks under the SDK's emulator (native):
//
//	go test -run '^$' -bench . -benchmem ./filter
//
// The emulator's own cost (header maps, context bookkeeping) is included; the same
// scenarios against the compiled .wasm are the e2e benchmarks.
func benchRequests(b *testing.B, path string, headers func(h *harness, i int) [][2]string) {
	benchRequestsOn(b, newHarness(b, localConfig(b, "")), path, headers)
}

func benchRequestsOn(b *testing.B, h *harness, path string, headers func(h *harness, i int) [][2]string) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		hs := headers(h, i)
		b.StartTimer()
		id, action := h.request("GET", path, hs...)
		b.StopTimer()
		if action != types.ActionContinue {
			b.Fatalf("request %d not allowed: %+v", i, h.host.GetSentLocalResponse(id))
		}
		h.host.CompleteHttpContext(id)
		b.StartTimer()
	}
}

func BenchmarkRequestOpenRoute(b *testing.B) {
	benchRequests(b, "/healthz", func(*harness, int) [][2]string { return nil })
}

func BenchmarkRequestCachedToken(b *testing.B) {
	var tok string
	benchRequests(b, "/api/x", func(h *harness, _ int) [][2]string {
		if tok == "" {
			tok = h.token(testKeys.RSA, nil)
		}
		return [][2]string{bearer(tok)}
	})
}

// Cold: every request carries a token never seen before (a unique jti), so each one is
// parsed and its signature verified.
func BenchmarkRequestColdRS256(b *testing.B) {
	benchRequests(b, "/api/x", func(h *harness, i int) [][2]string {
		return [][2]string{bearer(h.token(testKeys.RSA, map[string]any{"jti": i}))}
	})
}

func BenchmarkRequestColdES256(b *testing.B) {
	benchRequests(b, "/api/x", func(h *harness, i int) [][2]string {
		return [][2]string{bearer(h.token(testKeys.EC, map[string]any{"jti": i}))}
	})
}
