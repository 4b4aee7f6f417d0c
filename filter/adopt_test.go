package filter

import (
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
	"github.com/jwtguard/jwtguard/jwtverify"
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

// Regression (issue 15, defect 2): publishing new keys is two shared-data writes, and Envoy's
// worker VMs run on separate threads. A VM that adopted between them must not end up with
// the previous keys under the new version (it would not look again until the next change):
// here VM B ticks between VM A's two steps, then again after them, and must use the new keys.
func TestRegressionKeysPublishedInTheWrongOrder(t *testing.T) {
	h := newHarness(t, remoteConfig())
	a := h.secondVM()
	b := h.secondVM()
	a.OnTick()
	h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))
	b.OnTick()
	if !h.verifiesWith(b, testKeys.RSA) {
		t.Fatal("setup: VM B did not adopt the first keys")
	}
	// Rotation: VM A refreshes and gets rsa-2; VM B ticks between A's publishing steps.
	h.clock.advance(301 * time.Second)
	a.OnTick()
	c := h.requireFetch(2)
	a.providers[0].jwks.interleave = func(point string) {
		if point == interleavePublish {
			b.OnTick()
		}
	}
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA2))
	a.providers[0].jwks.interleave = nil
	b.OnTick()
	if !h.verifiesWith(b, testKeys.RSA2) || h.verifiesWith(b, testKeys.RSA) {
		t.Fatal("VM B does not use the rotated keys after VM A published them: it adopted between the steps")
	}
	if b.providers[0].keysVersion() != a.providers[0].keysVersion() {
		t.Fatalf("VM B has version %d, VM A %d", b.providers[0].keysVersion(), a.providers[0].keysVersion())
	}
}

// verifiesWith reports whether VM vm's keys verify a token signed with k.
func (h *harness) verifiesWith(vm *pluginState, k *mint.Key) bool {
	h.t.Helper()
	p := vm.providers[0]
	if p.keys == nil {
		return false
	}
	tok, err := jwtverify.Parse(h.token(k, nil), jwtverify.Limits{MaxTokenBytes: 1 << 16})
	if err != nil {
		h.t.Fatal(err)
	}
	_, err = tok.VerifySignature(p.keys, p.cfg.Algorithms)
	return err == nil
}

// Publishing retries when another VM writes the schedule between its read and its write: the
// record is written again under the version the schedule ends up naming, so other VMs adopt it.
func TestPublishRetriesUnderTheNextVersion(t *testing.T) {
	h := newHarness(t, remoteConfig())
	a, b := h.secondVM(), h.secondVM()
	a.OnTick()
	c := h.requireFetch(1)
	writes := 0
	a.providers[0].jwks.interleave = func(point string) {
		if point == interleavePublish && writes == 0 {
			writes++
			b.providers[0].jwks.updateSchedule(func(s *fetchSchedule) { s.lastKidRefetch++ })
			b.OnTick() // sees a record whose version the schedule does not name: ignores it
		}
	}
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	if b.providers[0].keys != nil {
		t.Fatal("VM B adopted a record the schedule did not name yet")
	}
	b.OnTick()
	if !h.verifiesWith(b, testKeys.RSA) || b.providers[0].keysVersion() != a.providers[0].keysVersion() {
		t.Fatalf("VM B: keys %v version %d, VM A version %d", b.providers[0].keys != nil, b.providers[0].keysVersion(), a.providers[0].keysVersion())
	}
}
