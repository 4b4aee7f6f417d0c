package e2e

import (
	"context"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/soak"
)

// TestSoakShort is `make soak` in small: 20 000 mixed requests with 4 workers while keys
// rotate and the IdP flaps, under the suite's WASI profile (pre-#533 unless set). Every verdict must be exact, no VM may fail or panic, and the
// plugin's counters must account for each request exactly once.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	code := wasmCode(t, "JWTGUARD_WASM", ".")
	r, err := soak.Run(context.Background(), soak.Options{Wasm: code, Requests: 20000, Concurrency: 4,
		UniqueTokens: 2000, CacheEntries: 1000, Rotations: 3, Seed: 7, Profile: suiteProfile(t)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Wrong != 0 {
		t.Errorf("%d wrong verdicts: %v", r.Wrong, r.WrongCases)
	}
	if r.FailedVMs != 0 || r.PanicLogs != 0 {
		t.Errorf("%d failed VMs, %d panic log lines", r.FailedVMs, r.PanicLogs)
	}
	if r.CountersTotal != int64(r.Requests) {
		t.Errorf("the plugin counted %d verdicts for %d requests", r.CountersTotal, r.Requests)
	}
	for _, class := range []string{"hot", "unique", "rotating", "forged", "expired", "scope", "malformed", "missing", "unknown_kid", "open"} {
		if r.ByClass[class] == 0 {
			t.Errorf("no request of class %s was sent", class)
		}
	}
	if r.FetchesWhileDown == 0 {
		t.Errorf("no JWKS fetch met the IdP down (%d fetches): the flapping was not exercised", r.Fetches)
	}
	// The cache is bounded per VM: the proxy-wide gauge never exceeds VMs × cache_entries
	// (4 workers and the main thread's VM, which serves no requests).
	for _, n := range r.CacheEntries {
		if n > 5*1000 {
			t.Errorf("cache entries gauge %d exceeds 5 VMs × 1000: %v", n, r.CacheEntries)
		}
	}
	if len(r.HeapMiB) == 0 || r.HeapMiB[len(r.HeapMiB)-1] <= 0 {
		t.Errorf("the Go heap gauge was never reported: %v", r.HeapMiB)
	}
	t.Logf("%d requests in %s, %d JWKS fetches (%d while down), worker memory MiB %v, Go heap MiB %v, cache entries %v",
		r.Requests, r.Duration, r.Fetches, r.FetchesWhileDown, r.MemoryMiB, r.HeapMiB, r.CacheEntries)
}

// TestRegressionGCStallsInReactor pins the memory growth the 10^6-request soak found: with
// exported calls that never yield, the guest's garbage collector could stay in its mark
// phase (its background workers never ran), and a worker's linear memory grew without bound
// — 10 MiB to 43 MiB in a run like this one, and to 228 MiB over 10^6 requests — while its live
// heap stayed near 8 MiB. The binding now yields to the Go scheduler after each stream and
// tick (internal/abi yieldToRuntime); memory must level off once the cache is full. The
// stall depends on timing: on an unloaded machine the old binary fails this test every time
// (10 → 43 MiB); with other processes competing for the CPU it may not show.
func TestRegressionGCStallsInReactor(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	code := wasmCode(t, "JWTGUARD_WASM", ".")
	r, err := soak.Run(context.Background(), soak.Options{Wasm: code, Requests: 150000, Concurrency: 4,
		UniqueTokens: 5000, CacheEntries: 10000, Rotations: 1, Seed: 3, Only: "unique,open", Profile: suiteProfile(t)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Wrong != 0 || r.FailedVMs != 0 {
		t.Fatalf("%d wrong verdicts, %d failed VMs", r.Wrong, r.FailedVMs)
	}
	// By 40% of the run each worker has drawn ~8000 times from the 5000 tokens and cached
	// about 4000 of them (the cache holds them all); after that memory may grow by the last
	// entries (~1 KiB each) and by a step of the collector's heap target, but not climb: the
	// failure grew it 4× between here and the end. Healthy runs end 1.1–1.25× above the 40%
	// mark (the cache still fills: ~80% of the 5000 tokens drawn by then, ~98% at the end), so
	// the bound is 1.5×: far from both.
	settled, last := r.MemoryMiB[3], r.MemoryMiB[len(r.MemoryMiB)-1]
	if last > settled*1.5 {
		t.Fatalf("worker linear memory grew from %.1f MiB (40%%) to %.1f MiB (end): %v", settled, last, r.MemoryMiB)
	}
	t.Logf("worker memory MiB %v", r.MemoryMiB)
}
