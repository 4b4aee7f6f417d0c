package filter

import (
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// secondVM starts another root context of the same plugin: it shares the host's shared data
// with the harness's VM, as Envoy's VMs do (each worker runs its own copy of the plugin).
func (h *harness) secondVM() *pluginState {
	h.t.Helper()
	other := (&vmContext{now: h.clock.now}).NewPluginContext(99).(*pluginState)
	if st := other.OnPluginStart(0); st != types.OnPluginStartStatusOK {
		h.t.Fatal("second VM did not start")
	}
	return other
}

// A VM adopts keys another VM fetched on its request path, before its own tick, so a worker
// does not hold or refuse a request for keys the proxy already has.
func TestAdoptOnTheRequestPathBeforeTheTick(t *testing.T) {
	h := newHarness(t, remoteConfig())
	other := h.secondVM()
	other.OnTick()
	c := h.requireFetch(1)
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA, testKeys.RSA2))
	// The harness VM has not ticked since: its request adopts on the spot.
	id, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA2, nil)))
	if action != types.ActionContinue {
		t.Fatalf("request on a VM that had not ticked yet: %v %+v", action, h.reply(id))
	}
	if n := len(h.callouts(id)); n != 1 {
		t.Fatalf("%d fetches, want 1: the keys were already published", n)
	}
}

// After a 304 the VMs keep using the published document; a VM that had not adopted it yet
// adopts it.
func TestAdoptAfterNotModified(t *testing.T) {
	h := newHarness(t, remoteConfig())
	h.host.Tick()
	h.answerFetchWith(h.requireFetch(1), "200", [][2]string{{"etag", `"v1"`}}, mint.JWKS(testKeys.RSA))
	other := h.secondVM()
	h.clock.advance(301 * time.Second)
	other.OnTick() // the second VM takes the refresh; it has not adopted the keys yet
	cs := h.callouts()
	if len(cs) != 2 {
		t.Fatalf("%d fetches, want the second VM's refresh", len(cs))
	}
	if v, _ := header(cs[1].Headers, "if-none-match"); v != `"v1"` {
		t.Fatalf("the second VM's refresh sent If-None-Match %q, want the published ETag", v)
	}
	h.answerFetchWith(cs[1], "304", nil, nil)
	if other.providers[0].keys == nil || other.providers[0].keys.Len() != 1 {
		t.Fatal("the VM that got the 304 does not use the published keys")
	}
}
