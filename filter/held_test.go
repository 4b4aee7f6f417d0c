package filter

import (
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

func TestFirstRequestIsHeldUntilTheFirstFetch(t *testing.T) {
	h := newHarness(t, remoteConfig())
	tok := h.token(testKeys.RSA, nil)
	id, action := h.request("GET", "/x", bearer(tok))
	if action != types.ActionPause || h.reply(id) != nil {
		t.Fatalf("with no keys yet the request must be held; action %v", action)
	}
	c := h.requireFetch(1, id)
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	if got := h.host.GetCurrentHttpStreamAction(id); got != types.ActionContinue {
		t.Fatalf("held request not resumed after the keys arrived: %v, reply %+v", got, h.reply(id))
	}
	if v, _ := header(h.host.GetCurrentRequestHeaders(id), "x-jwt-sub"); v != "alice" {
		t.Fatalf("resumed request lacks its claim header: %q", v)
	}
	if h.counter("jwtguard.jwks.fetch_success") != 1 {
		t.Fatal("fetch_success counter not incremented")
	}
}

func TestHeldRequestWhoseClientLeftIsReleased(t *testing.T) {
	h := newHarness(t, remoteConfig())
	id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	c := h.requireFetch(1, id)
	h.host.CompleteHttpContext(id) // the client goes away while held
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	if r := h.reply(id); r != nil {
		t.Fatalf("a reply was sent to a stream that is gone: %+v", r)
	}
	h.host.Tick()
	if g, _ := h.host.GetGaugeMetric("jwtguard.held_requests"); g != 0 {
		t.Fatalf("held_requests gauge = %d after the client left, want 0", g)
	}
}

func TestHeldRequestTimesOut(t *testing.T) {
	h := newHarness(t, remoteConfig())
	id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	h.requireFetch(1, id)
	h.host.Tick()
	if g, _ := h.host.GetGaugeMetric("jwtguard.held_requests"); g != 1 {
		t.Fatalf("held_requests gauge = %d while one request is held, want 1", g)
	}
	h.clock.advance(11 * time.Second) // past pending_timeout; the fetch never answered
	h.host.Tick()
	if r := h.reply(id); r == nil || r.status != 503 {
		t.Fatalf("held past its deadline: %+v, want 503", r)
	}
	h.host.Tick()
	if g, _ := h.host.GetGaugeMetric("jwtguard.held_requests"); g != 0 {
		t.Fatalf("held_requests gauge = %d after the answer, want 0", g)
	}
}
