// Command soak runs a long mixed request stream through the compiled plugin (see package
// soak) and prints the figures; it exits 1 on any wrong verdict, failed VM or panic.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/e2e/soak"
)

func main() {
	wasm := flag.String("wasm", "build/jwtguard.wasm", "the plugin")
	requests := flag.Int("requests", 1_000_000, "requests to send")
	concurrency := flag.Int("concurrency", 4, "workers and client goroutines")
	unique := flag.Int("unique-tokens", 20_000, "distinct valid tokens that churn the cache")
	cache := flag.Int("cache-entries", 10_000, "the plugin's limits.cache_entries")
	rotations := flag.Int("rotations", 10, "key rotations over the run")
	seed := flag.Uint64("seed", 1, "random seed")
	env := flag.String("env", "", "the VMs' environment variables, KEY=VALUE,KEY=VALUE (e.g. GOGC=200)")
	profile := flag.String("profile", "pre533", `the host's WASI: "pre533" (cpp-host before #533: Envoy 1.33–1.38) or "post533"`)
	only := flag.String("only", "", `send one class of request only ("unique": a new valid token per request)`)
	flag.Parse()
	var prof envoyhost.Profile
	switch *profile {
	case "pre533":
		prof = envoyhost.Pre533
	case "post533":
		prof = envoyhost.Post533
	default:
		fmt.Fprintf(os.Stderr, "soak: -profile %q: want pre533 or post533\n", *profile)
		os.Exit(2)
	}
	code, err := os.ReadFile(*wasm)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	r, err := soak.Run(context.Background(), soak.Options{Wasm: code, Requests: *requests, Concurrency: *concurrency,
		UniqueTokens: *unique, CacheEntries: *cache, Rotations: *rotations, Seed: *seed, Progress: os.Stderr, Only: *only, Env: splitEnv(*env), Profile: prof})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("requests            %d in %s (%.0f/s), concurrency %d, host WASI %s\n", r.Requests, r.Duration.Round(1e9), float64(r.Requests)/r.Duration.Seconds(), *concurrency, prof)
	fmt.Printf("by class            %v\n", r.ByClass)
	fmt.Printf("wrong verdicts      %d\n", r.Wrong)
	for _, w := range r.WrongCases {
		fmt.Printf("  %s\n", w)
	}
	fmt.Printf("failed VMs          %d\n", r.FailedVMs)
	fmt.Printf("panic log lines     %d\n", r.PanicLogs)
	fmt.Printf("counters total      %d (must equal requests)\n", r.CountersTotal)
	fmt.Printf("JWKS fetches        %d (%d while the IdP was down)\n", r.Fetches, r.FetchesWhileDown)
	fmt.Printf("worker memory MiB   %s (largest worker's linear memory, after each tenth)\n", soak.Series(r.MemoryMiB, "%.1f"))
	fmt.Printf("Go heap MiB         %s (all VMs, gauge jwtguard.vm.heap_live_bytes)\n", soak.Series(r.HeapMiB, "%.1f"))
	fmt.Printf("cache entries       %s (all VMs, gauge jwtguard.cache.entries)\n", soak.Series(r.CacheEntries, "%d"))
	if r.Wrong > 0 || r.FailedVMs > 0 || r.PanicLogs > 0 || r.CountersTotal != int64(r.Requests) {
		os.Exit(1)
	}
}

func splitEnv(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
