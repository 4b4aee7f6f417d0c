package filter

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// What the identity outputs add to a cached token's request (compare with
// BenchmarkRequestCachedToken):
//
//	go test -run '^$' -bench 'CachedToken' -benchmem ./filter
func BenchmarkRequestCachedTokenWithOutputs(b *testing.B) {
	h := newHarness(b, localConfig(b, `, "from_cookies": ["session"], "forward_payload_header": "x-jwt-payload", "claims_to_log": ["sub"]`))
	cookie := [2]string{"cookie", "theme=dark; session=" + h.token(testKeys.RSA, nil) + "; lang=en"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, action := h.request("GET", "/api/x", cookie)
		b.StopTimer()
		if action != types.ActionContinue {
			b.Fatalf("request %d not allowed: %+v", i, h.host.GetSentLocalResponse(id))
		}
		h.host.CompleteHttpContext(id)
		b.StartTimer()
	}
}
