package filter

import (
	"testing"

	"github.com/jwtguard/jwtguard/internal/abi"
)

// TestCachedPathAllocatesNothing: the request path itself (OnHttpRequestHeaders, entered
// through the SDK's dispatch as the host enters it) allocates nothing on a request whose
// token is cached — the rule, the token's place, the anti-spoofing removal of a claim
// header, the cache lookup, the scopes, the claim header, the decision and the batched
// counters (issue 19: in wasm every allocation is paid again by the guest's
// single-threaded collector).
//
// The emulator's hostcalls allocate (it copies header maps and property values), so the
// test also measures a reference: an open-route request through the same dispatch, plus
// the hostcalls the cached path makes beyond it, made directly. The two must allocate
// alike; anything the filter's own code allocates on the cached path shows as a difference.
func TestCachedPathAllocatesNothing(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	tok := h.token(testKeys.RSA, map[string]any{"scope": "orders:read", "sub": "alice"})
	headers := func(path string) [][2]string {
		return [][2]string{{":method", "GET"}, {":path", path}, {":authority", "api.example.com"},
			{"authorization", "Bearer " + tok}, {"x-jwt-sub", "spoofed"}, {"user-agent", "test"}}
	}
	cachedHeaders, openHeaders := headers("/orders/7"), headers("/healthz")
	if _, action := h.request("GET", "/orders/7", bearer(tok)); action != 0 {
		t.Fatalf("the first request was not let through (action %v)", action)
	}
	cached, open := h.host.InitializeHttpContext(), h.host.InitializeHttpContext()
	hits := h.counter("jwtguard.cache.hit")

	const runs = 1000
	real := testing.AllocsPerRun(runs, func() {
		if action := h.host.CallOnRequestHeaders(cached, cachedHeaders, true); action != 0 {
			t.Fatalf("cached request not let through (action %v)", action)
		}
	})
	reference := testing.AllocsPerRun(runs, func() {
		if action := h.host.CallOnRequestHeaders(open, openHeaders, true); action != 0 {
			t.Fatalf("open request not let through (action %v)", action)
		}
		// What the cached path adds: the token removed, the claim header set, the provider
		// recorded (the emulator's active context is still the open request).
		_ = abi.RemoveHttpRequestHeader("authorization")
		_ = abi.ReplaceHttpRequestHeader("x-jwt-sub", "alice")
		_ = abi.SetPropertyString(propProvider, "corp")
	})

	// The runs took the cached path: every one was a cache hit, and left the request as
	// the cached path leaves it.
	if got := h.counter("jwtguard.cache.hit") - hits; got != runs+1 { // AllocsPerRun adds a warm-up run
		t.Fatalf("%d cache hits in %d runs", got, runs+1)
	}
	sent := h.host.GetCurrentRequestHeaders(cached)
	if _, ok := header(sent, "authorization"); ok {
		t.Fatal("the token was not removed")
	}
	if v, _ := header(sent, "x-jwt-sub"); v != "alice" {
		t.Fatalf("x-jwt-sub is %q, want the token's sub", v)
	}
	if real != reference {
		t.Errorf("the cached path allocates %v times per request, the emulator's share of it %v: want no more", real, reference)
	}
}

// A deleted stream serves the next request with nothing of the old one left, unless it was
// ever held (a held-request list may still name it).
func TestStreamRecycle(t *testing.T) {
	tests := []struct {
		name     string
		everHeld bool
		reused   bool
	}{
		{"never held: reused", false, true},
		{"held once: left to the collector", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, localConfig(t, ""))
			p := h.plugin
			old := p.NewHttpContext(5).(*stream)
			old.token = foundToken{value: "a.b.c"}
			old.rule, old.done, old.revHeld, old.everHeld = &p.cfg.Rules[0], true, true, tc.everHeld
			p.RecycleHttpContext(old)
			next := p.NewHttpContext(6).(*stream)
			if (next == old) != tc.reused {
				t.Fatalf("reused = %v, want %v", next == old, tc.reused)
			}
			if *next != (stream{id: 6, plugin: p}) {
				t.Fatalf("the new stream carries state: %+v", *next)
			}
		})
	}
}
