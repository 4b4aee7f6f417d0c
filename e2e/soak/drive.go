package soak

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// runner sends the drawn requests through the plugin from opts.Concurrency goroutines (one
// per worker VM, as Envoy's workers would), checks each verdict, and samples memory after
// every tenth of the run.
type runner struct {
	opts    Options
	tk      *tokens
	rot     *rotation
	h       *envoyhost.Host
	plugin  *envoyhost.Plugin
	classes []class
	picks   []uint8
	draws   []uint32
	say     func(string, ...any)

	mu         sync.Mutex // guards res
	res        *Result
	next, done atomic.Int64
	start      time.Time
}

func (r *runner) drive(ctx context.Context) {
	r.start = time.Now()
	r.say("soak: %d requests, concurrency %d", r.opts.Requests, r.opts.Concurrency)
	var wg sync.WaitGroup
	for w := 0; w < r.opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(r.next.Add(1) - 1)
				if i >= r.opts.Requests {
					return
				}
				r.one(ctx, i)
			}
		}()
	}
	wg.Wait()
	r.res.Duration = time.Since(r.start)
}

// one sends request i and records its verdict.
func (r *runner) one(ctx context.Context, i int) {
	r.rot.advance(i)
	c := r.classes[r.picks[i]].name
	req, want := r.request(i, c, int(r.draws[i]))
	upstream := func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
		return &envoyhost.Response{Status: 200}, nil
	}
	got := verdict(r.plugin.Handle(ctx, req, upstream))
	ok := false
	for _, w := range want {
		ok = ok || got == w
	}
	r.mu.Lock()
	r.res.ByClass[c]++
	if !ok {
		r.res.Wrong++
		if len(r.res.WrongCases) < 10 {
			r.res.WrongCases = append(r.res.WrongCases, fmt.Sprintf("request %d (%s): got %s, want %s", i, c, got, strings.Join(want, " or ")))
		}
	}
	r.mu.Unlock()
	if n := r.done.Add(1); n%int64(max(r.opts.Requests/10, 1)) == 0 {
		r.sample(n)
	}
}

// request builds request i of class c, and the verdicts it may get.
func (r *runner) request(i int, c string, d int) (*envoyhost.Request, []string) {
	tk := r.tk
	path, auth := "/api/x", ""
	want := []string{"200"}
	switch c {
	case "hot":
		auth = tk.hot[d%len(tk.hot)]
	case "unique":
		if len(tk.unique) == 0 {
			auth = sign(tk.stableEC, tk.claims(map[string]any{"jti": fmt.Sprint("once-", i)})) // signing ES256 is cheap
		} else {
			auth = tk.unique[d%len(tk.unique)]
		}
	case "rotating":
		auth = tk.rotTokens[r.rot.signing.Load()][d%8]
	case "forged":
		auth, want = tk.forged[d%len(tk.forged)], []string{"401 bad_signature"}
	case "expired":
		auth, want = tk.expired[d%len(tk.expired)], []string{"401 token_expired"}
	case "scope":
		path, auth, want = "/admin/x", tk.hot[d%len(tk.hot)], []string{"403 insufficient_scope"}
	case "malformed":
		auth, want = tk.malformed[d%len(tk.malformed)], []string{"401 " + tk.malformedReason[d%len(tk.malformed)]}
	case "missing":
		want = []string{"401 missing_token"}
	case "unknown_kid":
		auth, want = tk.ghostTokens[d%len(tk.ghostTokens)], []string{"401 unknown_kid"}
	case "open":
		path = "/healthz"
	}
	req := &envoyhost.Request{Method: "GET", Path: path, Authority: "soak.example"}
	if auth != "" {
		req.Headers = [][2]string{{"authorization", "Bearer " + auth}}
	}
	return req, want
}

// sample records, after n requests, the largest worker's linear memory (the main thread's
// VM, last, left out), the Go heap of all VMs and the cache entries.
func (r *runner) sample(n int64) {
	mem := r.plugin.MemoryBytes()
	largest := uint64(0)
	for _, m := range mem[:len(mem)-1] {
		largest = max(largest, m)
	}
	stats := gauges(r.h.StatsText())
	heap := float64(stats["jwtguard.vm.heap_live_bytes"]) / (1 << 20)
	r.mu.Lock()
	r.res.MemoryMiB = append(r.res.MemoryMiB, float64(largest)/(1<<20))
	r.res.HeapMiB = append(r.res.HeapMiB, heap)
	r.res.CacheEntries = append(r.res.CacheEntries, stats["jwtguard.cache.entries"])
	wrong := r.res.Wrong
	r.mu.Unlock()
	r.say("  %d requests, %s, largest worker memory %.1f MiB, Go heap (all VMs) %.1f MiB, cache entries %d, wrong %d",
		n, time.Since(r.start).Round(time.Second), float64(largest)/(1<<20), heap, stats["jwtguard.cache.entries"], wrong)
}
