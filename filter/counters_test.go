package filter

import "testing"

// TestCountersReachHostOnTick: the request path's counters are counted in the VM and reach
// the host on the next tick, every count of every counter; the plugin's end flushes too.
func TestCountersReachHostOnTick(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	valid := h.token(testKeys.RSA, nil)
	host := func(name string) uint64 { // the host's value, without flushing first
		v, _ := h.host.GetCounterMetric(name)
		return v
	}
	for i := 0; i < 3; i++ {
		h.request("GET", "/api/x", bearer(valid))
		h.request("GET", "/healthz")
		h.request("GET", "/api/x")
	}
	names := map[string]uint64{
		"jwtguard.allowed.provider.corp":         3,
		"jwtguard.allowed_open_route":            3,
		"jwtguard.rejected.reason.missing_token": 3,
		"jwtguard.cache.miss":                    1,
		"jwtguard.cache.hit":                     2,
	}
	for name := range names {
		if got := host(name); got != 0 {
			t.Errorf("before the tick the host has %s = %d; the count should wait for the tick", name, got)
		}
	}
	h.host.Tick()
	for name, want := range names {
		if got := host(name); got != want {
			t.Errorf("after the tick %s = %d, want %d", name, got, want)
		}
	}
	h.request("GET", "/healthz")
	h.plugin.OnPluginDone()
	if got := host("jwtguard.allowed_open_route"); got != 4 {
		t.Errorf("after OnPluginDone jwtguard.allowed_open_route = %d, want 4", got)
	}
}
