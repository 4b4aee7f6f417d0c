package filter

import (
	"testing"

	"github.com/jwtguard/jwtguard/config"
)

// TestCachedPathAllocatesNothing: the filter's own work on a request whose token is cached —
// the rule, the token's place, the anti-spoofing scan of claim header names, the cache
// lookup, the scopes and the batched counters — allocates nothing (issue 19: in wasm every
// allocation is paid again by the guest's single-threaded collector). What remains per
// request is the binding's: the host's header buffer and its pairs (docs/performance.md).
func TestCachedPathAllocatesNothing(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	tok := h.token(testKeys.RSA, map[string]any{"scope": "orders:read"})
	if _, action := h.request("GET", "/orders/7", bearer(tok)); action != 0 {
		t.Fatalf("the first request was not let through (action %v)", action)
	}
	p := h.plugin
	headers := [][2]string{{":method", "GET"}, {":path", "/orders/7"}, {":authority", "api"},
		{"authorization", "Bearer " + tok}, {"x-jwt-sub", "spoofed"}, {"user-agent", "test"}}
	now := h.clock.now()
	var admitted int
	allocs := testing.AllocsPerRun(1000, func() {
		claimHeaders := 0
		for _, hd := range headers {
			if _, ok := p.claimHeaderNames[hd[0]]; ok {
				claimHeaders++
			}
		}
		if isCORSPreflight("GET", headers) || claimHeaders != 1 {
			t.Fatal("headers misread")
		}
		req := config.Request{Method: "GET", Path: "/orders/7", Authority: "api", Headers: headers}
		rule, ambiguous := p.cfg.Match(&req)
		if ambiguous || rule == nil {
			t.Fatal("no rule")
		}
		found, bad := extractToken(headers, "/orders/7", p.sourcesByRule[rule], p.cache)
		if bad != nil || found.value != tok {
			t.Fatal("token not found")
		}
		e, ok := p.cached(&found, rule, now)
		if !ok || !hasAllScopes(e.scopes, rule.Require.Scopes) || !hasAnyScope(e.scopes, rule.Require.AnyScopes) {
			t.Fatal("cache miss")
		}
		p.metrics.cacheHit.add(1)
		p.metrics.allowed(e.provider.cfg.Name)
		admitted++
	})
	if allocs != 0 {
		t.Errorf("the cached path allocates %v times per request, want 0", allocs)
	}
	if admitted < 1000 {
		t.Fatalf("%d admitted", admitted)
	}
}
