package filter

import (
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// TestOneFetchPerProxy: Envoy runs the plugin in one VM per worker plus the main thread,
// each ticking on its own (docs/host.md#threads-and-vms). Here a second root context stands for a second VM:
// it shares the host's shared data with the first, as Envoy's VMs do. While the first holds
// the fetch lease the second must not fetch; when the first stores the keys the second adopts
// them on its next tick without fetching; at the next refresh exactly one of them fetches.
func TestOneFetchPerProxy(t *testing.T) {
	h := newHarness(t, remoteConfig())
	other := h.secondVM()
	h.host.Tick() // first VM takes the lease and fetches
	c := h.requireFetch(1)
	other.OnTick()
	if n := len(h.callouts()); n != 1 {
		t.Fatalf("%d fetches while the first VM holds the lease, want 1", n)
	}
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	other.OnTick()
	if other.providers[0].keys == nil || other.providers[0].keys.Len() != 1 {
		t.Fatal("the second VM did not adopt the keys the first one stored")
	}
	if n := len(h.callouts()); n != 1 {
		t.Fatalf("%d fetches after adoption, want 1", n)
	}
	// Next refresh: whichever VM ticks first fetches; the other sees the lease.
	h.clock.advance(301 * time.Second)
	other.OnTick()
	h.host.Tick()
	if n := len(h.callouts()); n != 2 {
		t.Fatalf("%d fetches after one refresh interval with two VMs, want 2 in all", n)
	}
}
