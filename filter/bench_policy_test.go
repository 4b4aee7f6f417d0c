package filter

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// What a policy rule adds to a cached token's request (compare with
// BenchmarkRequestCachedToken): the rule matches on host and a header, needs two claim
// conditions on nested claims, and the provider copies a nested claim into a header.
//
//	go test -run '^$' -bench 'CachedToken' -benchmem ./filter
func BenchmarkRequestCachedTokenWithPolicy(b *testing.B) {
	cfg := policyConfig("", `{"match": {"prefix": "/admin", "hosts": ["*.example.com"], "headers": [{"name": "x-tenant", "prefix": "t-"}]},
		  "require": {"claims": [{"claim": "realm_access.roles", "contains": "admin"}, {"claim": "email_verified", "equals": true}]}},
		 {"match": {"prefix": "/"}, "require": {}}`)
	cfg = strings.Replace(cfg, `"header": "x-jwt-sub"}`, `"header": "x-jwt-sub"}, {"claim": "realm_access.roles", "header": "x-roles"}`, 1)
	h := newHarness(b, cfg)
	tok := h.token(testKeys.RSA, map[string]any{"email_verified": true,
		"realm_access": map[string]any{"roles": []string{"user", "admin"}}})
	headers := [][2]string{bearer(tok), {"x-tenant", "t-1"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, action := h.request("GET", "/admin/x", headers...)
		b.StopTimer()
		if action != types.ActionContinue {
			b.Fatalf("request %d not allowed: %+v", i, h.host.GetSentLocalResponse(id))
		}
		h.host.CompleteHttpContext(id)
		b.StartTimer()
	}
}
