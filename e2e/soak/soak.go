// Package soak drives the compiled plugin in the Envoy-like host with a long, mixed,
// concurrent stream of requests — valid, forged, malformed, expired, under-scoped, unknown
// kids, unique tokens that churn the cache — while the IdP rotates keys and flaps, and
// checks every answer against what it must be. It reports wrong verdicts, traps, panics,
// JWKS fetches and the VMs' linear memory over time.
package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// Options of a soak run.
type Options struct {
	Wasm        []byte
	Requests    int // total requests
	Concurrency int // workers (Envoy's --concurrency) and client goroutines
	// UniqueTokens is the size of the pool of distinct valid tokens that churn the cache
	// (more than CacheEntries, so most of them miss).
	UniqueTokens int
	CacheEntries int
	Rotations    int // key rotations over the run
	Seed         uint64
	Progress     io.Writer // nil: quiet
	// Only sends requests of these classes (comma-separated), in their usual proportions.
	// With "unique" alone, every request carries a token never seen before, signed as it is
	// sent (UniqueTokens is ignored): the cache-churn run.
	Only string
	// Env is the VMs' environment (vm_config.environment_variables), e.g. GOGC=200.
	Env []string
	// Profile is the host's WASI (envoyhost.Pre533: Envoy 1.33–1.38, Istio 1.25–1.30).
	Profile envoyhost.Profile
}

// Result of a soak run.
type Result struct {
	Requests         int
	Duration         time.Duration
	ByClass          map[string]int
	Wrong            int
	WrongCases       []string // the first few
	FailedVMs        int
	PanicLogs        int
	Fetches          int64
	FetchesWhileDown int64
	// Memory samples: the largest worker linear memory after each tenth of the run.
	MemoryMiB []float64
	// HeapMiB: the guests' Go heap, all VMs together (gauge jwtguard.vm.heap_live_bytes), and
	// CacheEntries (gauge jwtguard.cache.entries), sampled with MemoryMiB.
	HeapMiB      []float64
	CacheEntries []int64
	// CountersTotal is allowed.provider.<p> + allowed_open_route + every rejected.reason.<reason>[.provider.<p>]: it must equal
	// Requests (each request counted exactly once).
	CountersTotal int64
}

// Series formats one of a Result's per-tenth samples for printing: the values, space
// separated, each with format.
func Series[T any](values []T, format string) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = fmt.Sprintf(format, v)
	}
	return strings.Join(s, " ")
}

// request classes and the verdicts they must get.
type class struct {
	name   string
	weight int
}

var classes = []class{
	{"hot", 45}, {"unique", 12}, {"rotating", 6}, {"forged", 6}, {"expired", 4}, {"scope", 5},
	{"malformed", 5}, {"missing", 4}, {"unknown_kid", 3}, {"open", 10},
}

const (
	issuer   = "https://soak-idp.example/"
	audience = "soak-api"
)

// idp is an in-memory IdP: the plugin's fetches reach it through the cluster's client.
type idp struct {
	mu        sync.Mutex
	keys      []*mint.Key
	down      bool
	served    map[string]time.Time // kid → first time a good answer carried it
	fetches   atomic.Int64
	downFetch atomic.Int64
}

func (i *idp) RoundTrip(*http.Request) (*http.Response, error) {
	i.fetches.Add(1)
	i.mu.Lock()
	down, doc := i.down, mint.JWKS(i.keys...)
	i.mu.Unlock()
	if down {
		i.downFetch.Add(1)
		// Alternate the two ways an IdP fails: an error status, and a reset mid-body.
		if i.downFetch.Load()%2 == 0 {
			return &http.Response{StatusCode: 503, Body: io.NopCloser(strings.NewReader("down")), Header: http.Header{}}, nil
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(io.MultiReader(bytes.NewReader(doc[:len(doc)/2]), errReader{})), Header: http.Header{}}, nil
	}
	i.mu.Lock()
	for _, k := range i.keys {
		if _, ok := i.served[k.Kid]; !ok {
			i.served[k.Kid] = time.Now()
		}
	}
	i.mu.Unlock()
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(doc)), Header: http.Header{"Content-Type": {"application/json"}}}, nil
}

// servedFor reports how long ago a good answer first carried kid (0: never).
func (i *idp) servedFor(kid string) time.Duration {
	i.mu.Lock()
	defer i.mu.Unlock()
	if t, ok := i.served[kid]; ok {
		return time.Since(t)
	}
	return 0
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

func (i *idp) publish(keys ...*mint.Key) {
	i.mu.Lock()
	i.keys = keys
	i.mu.Unlock()
}

func (i *idp) setDown(down bool) {
	i.mu.Lock()
	i.down = down
	i.mu.Unlock()
}

// Run performs the soak.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Rotations <= 0 {
		opts.Rotations = 10
	}
	say := func(format string, args ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format+"\n", args...)
		}
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 1))
	now := time.Now().Unix()
	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{"iss": issuer, "aud": audience, "sub": "soak", "iat": now - 5, "exp": now + 4*3600, "scope": "orders:read"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}

	say("generating keys and %d unique tokens", opts.UniqueTokens)
	stableRSA, err := mint.NewRSA("stable-rsa", 2048)
	if err != nil {
		return nil, err
	}
	stableEC, err := mint.NewEC("stable-ec")
	if err != nil {
		return nil, err
	}
	attacker, err := mint.NewRSA("stable-rsa", 2048)
	if err != nil {
		return nil, err
	}
	rotating := make([]*mint.Key, opts.Rotations+1)
	for i := range rotating {
		if i%2 == 0 {
			rotating[i], err = mint.NewEC(fmt.Sprintf("rot-%d", i))
		} else {
			rotating[i], err = mint.NewRSA(fmt.Sprintf("rot-%d", i), 2048)
		}
		if err != nil {
			return nil, err
		}
	}
	ghost, err := mint.NewEC("ghost")
	if err != nil {
		return nil, err
	}
	sign := func(k *mint.Key, c map[string]any, h map[string]any) string {
		tok, err := k.Sign(c, h)
		if err != nil {
			panic(err) // the system's random source failed
		}
		return tok
	}
	pool := func(n int, mk func(i int) string) []string {
		out := make([]string, n)
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for w := 0; w < runtime.GOMAXPROCS(0); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					out[i] = mk(i)
				}
			}()
		}
		wg.Wait()
		return out
	}
	hot := pool(64, func(i int) string {
		k := stableRSA
		if i%4 == 0 {
			k = stableEC
		}
		return sign(k, claims(map[string]any{"jti": fmt.Sprint("hot-", i)}), nil)
	})
	if opts.Only == "unique" {
		opts.UniqueTokens = 0
	}
	unique := pool(opts.UniqueTokens, func(i int) string {
		return sign(stableRSA, claims(map[string]any{"jti": fmt.Sprint("u-", i)}), nil)
	})
	forged := pool(256, func(i int) string {
		return sign(attacker, claims(map[string]any{"jti": fmt.Sprint("f-", i)}), nil)
	})
	expired := pool(64, func(i int) string {
		return sign(stableRSA, claims(map[string]any{"jti": fmt.Sprint("e-", i), "exp": now - 3600}), nil)
	})
	rotTokens := make([][]string, len(rotating))
	for i, k := range rotating {
		rotTokens[i] = pool(8, func(j int) string { return sign(k, claims(map[string]any{"jti": fmt.Sprint("r-", i, "-", j)}), nil) })
	}
	ghostTokens := pool(16, func(j int) string { return sign(ghost, claims(map[string]any{"jti": fmt.Sprint("g-", j)}), nil) })
	malformed := []string{"not-a-jwt", "a.b", "a.b.c", "eyJ.eyJ.AA", strings.Repeat("A", 9000)}
	malformedReason := []string{"malformed_token", "malformed_token", "bad_base64", "bad_base64", "token_too_large"}

	// The IdP starts with the stable keys and the first rotating key.
	var panicLogs atomic.Int64
	id := &idp{served: map[string]time.Time{}}
	id.publish(stableRSA, stableEC, rotating[0])
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: opts.Concurrency, Profile: opts.Profile,
		Clusters: map[string]*envoyhost.Cluster{"idp": {Address: "idp.invalid:80", Client: &http.Client{Transport: id}}},
		Log: func(level int, msg string) {
			if strings.Contains(msg, "panic") {
				panicLogs.Add(1)
			}
		}})
	if err != nil {
		return nil, err
	}
	defer h.Close(ctx)
	config := fmt.Sprintf(`{"providers": {"soak": {"issuer": %q, "audiences": [%q],
  "remote_jwks": {"cluster": "idp", "authority": "idp.invalid", "path": "/jwks", "refresh_interval": "2s",
                  "timeout": "1s", "refetch_min_interval": "1s", "backoff_base_interval": "100ms", "backoff_max_interval": "1s"}}},
  "rules": [{"match": {"prefix": "/healthz"}}, {"match": {"prefix": "/admin"}, "require": {"scopes": ["admin"]}},
            {"match": {"prefix": "/api"}, "require": {}}],
  "limits": {"cache_entries": %d}}`, issuer, audience, opts.CacheEntries)
	plugin, err := h.LoadPlugin(ctx, opts.Wasm, envoyhost.PluginConfig{Name: "jwtguard", Configuration: []byte(config), Env: opts.Env})
	if err != nil {
		return nil, err
	}
	defer plugin.Close(ctx)
	upstream := func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
		return &envoyhost.Response{Status: 200}, nil
	}

	// Key rotation, by request index, as an IdP does it: rotation r publishes rotating[r+1]
	// next to rotating[r] at the start of its period; a quarter in, and not before the IdP
	// has served the new key in a good answer and every VM has had a tick to adopt it,
	// tokens are signed with rotating[r+1]; at half, rotating[r] is retired. So every verdict
	// is exact: a valid token's key is published and fetched by the time it is used.
	period := max(opts.Requests/opts.Rotations, 1)
	var signing atomic.Int64 // index into rotating of the key the "rotating" class signs with
	var step sync.Mutex
	lastEvent := -1
	const adopt = time.Second // 4 ticks of 250 ms
	events := func(n int) {
		step.Lock()
		defer step.Unlock()
		for e := lastEvent + 1; e <= n; e++ {
			r, phase := e/period, e%period
			if r >= opts.Rotations {
				break
			}
			switch phase {
			case 0:
				id.publish(stableRSA, stableEC, rotating[r], rotating[r+1])
			case period / 4:
				for id.servedFor(rotating[r+1].Kid) < adopt {
					time.Sleep(50 * time.Millisecond)
				}
				signing.Store(int64(r + 1))
			case period / 2:
				id.publish(stableRSA, stableEC, rotating[r+1])
			}
		}
		lastEvent = max(lastEvent, n)
	}
	// The IdP flaps, by the clock: down (alternately 503 and a reset mid-body) for 1.5 s of
	// every 4 s, so that scheduled refreshes and unknown-kid refetches meet it down.
	flapDone := make(chan struct{})
	defer close(flapDone)
	go func() {
		for {
			select {
			case <-flapDone:
				return
			case <-time.After(2500 * time.Millisecond):
			}
			id.setDown(true)
			select {
			case <-flapDone:
				return
			case <-time.After(1500 * time.Millisecond):
			}
			id.setDown(false)
		}
	}()

	// Pre-draw each request's class so that the run is reproducible from the seed.
	classes := classes
	if opts.Only != "" {
		var only []class
		for _, c := range classes {
			for _, name := range strings.Split(opts.Only, ",") {
				if c.name == name {
					only = append(only, c)
				}
			}
		}
		if only == nil {
			return nil, fmt.Errorf("soak: no request class %q", opts.Only)
		}
		classes = only
	}
	totalWeight := 0
	for _, c := range classes {
		totalWeight += c.weight
	}
	picks := make([]uint8, opts.Requests)
	draws := make([]uint32, opts.Requests)
	for i := range picks {
		w := rng.IntN(totalWeight)
		for ci, c := range classes {
			if w < c.weight {
				picks[i] = uint8(ci)
				break
			}
			w -= c.weight
		}
		draws[i] = rng.Uint32()
	}

	res := &Result{Requests: opts.Requests, ByClass: map[string]int{}}
	var mu sync.Mutex
	var next atomic.Int64
	var done atomic.Int64
	start := time.Now()
	say("soak: %d requests, concurrency %d", opts.Requests, opts.Concurrency)
	tenth := max(opts.Requests/10, 1)
	var wg sync.WaitGroup
	for w := 0; w < opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= opts.Requests {
					return
				}
				events(i)
				c := classes[picks[i]].name
				d := int(draws[i])
				path, auth := "/api/x", ""
				want := []string{"200"}
				switch c {
				case "hot":
					auth = hot[d%len(hot)]
				case "unique":
					if len(unique) == 0 {
						auth = sign(stableEC, claims(map[string]any{"jti": fmt.Sprint("once-", i)}), nil) // signing ES256 is cheap
					} else {
						auth = unique[d%len(unique)]
					}
				case "rotating":
					auth = rotTokens[signing.Load()][d%8]
				case "forged":
					auth, want = forged[d%len(forged)], []string{"401 bad_signature"}
				case "expired":
					auth, want = expired[d%len(expired)], []string{"401 token_expired"}
				case "scope":
					path, auth, want = "/admin/x", hot[d%len(hot)], []string{"403 insufficient_scope"}
				case "malformed":
					auth, want = malformed[d%len(malformed)], []string{"401 " + malformedReason[d%len(malformed)]}
				case "missing":
					want = []string{"401 missing_token"}
				case "unknown_kid":
					auth, want = ghostTokens[d%len(ghostTokens)], []string{"401 unknown_kid"}
				case "open":
					path = "/healthz"
				}
				req := &envoyhost.Request{Method: "GET", Path: path, Authority: "soak.example"}
				if auth != "" {
					req.Headers = [][2]string{{"authorization", "Bearer " + auth}}
				}
				got := verdict(plugin.Handle(ctx, req, upstream))
				ok := false
				for _, w := range want {
					ok = ok || got == w
				}
				mu.Lock()
				res.ByClass[c]++
				if !ok {
					res.Wrong++
					if len(res.WrongCases) < 10 {
						res.WrongCases = append(res.WrongCases, fmt.Sprintf("request %d (%s): got %s, want %s", i, c, got, strings.Join(want, " or ")))
					}
				}
				mu.Unlock()
				if n := done.Add(1); n%int64(tenth) == 0 {
					mem := plugin.MemoryBytes()
					largest := uint64(0)
					for _, m := range mem[:len(mem)-1] {
						largest = max(largest, m)
					}
					stats := gauges(h.StatsText())
					heap := float64(stats["jwtguard.vm.heap_live_bytes"]) / (1 << 20)
					mu.Lock()
					res.MemoryMiB = append(res.MemoryMiB, float64(largest)/(1<<20))
					res.HeapMiB = append(res.HeapMiB, heap)
					res.CacheEntries = append(res.CacheEntries, stats["jwtguard.cache.entries"])
					mu.Unlock()
					say("  %d requests, %s, largest worker memory %.1f MiB, Go heap (all VMs) %.1f MiB, cache entries %d, wrong %d",
						n, time.Since(start).Round(time.Second), float64(largest)/(1<<20), heap, stats["jwtguard.cache.entries"], res.Wrong)
				}
			}
		}()
	}
	wg.Wait()
	res.Duration = time.Since(start)
	res.FailedVMs = plugin.Failed()
	res.PanicLogs = int(panicLogs.Load())
	res.Fetches, res.FetchesWhileDown = id.fetches.Load(), id.downFetch.Load()
	// The plugin's request counters reach the host on each VM's tick (every 250 ms,
	// filter/counters.go): wait until every verdict is counted, for up to two seconds.
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res.CountersTotal = verdictCount(h.StatsText())
		if res.CountersTotal >= int64(opts.Requests) || time.Now().After(deadline) {
			break
		}
	}
	return res, nil
}

// verdictCount is the sum of the plugin's verdict counters in the host's stats text.
func verdictCount(stats string) int64 {
	var total int64
	for name, v := range gauges(stats) {
		if strings.HasPrefix(name, "jwtguard.allowed.provider.") || name == "jwtguard.allowed_open_route" || strings.HasPrefix(name, "jwtguard.rejected.") {
			total += v
		}
	}
	return total
}

// gauges reads the host's stats text ("name: value" lines), counters and gauges alike.
func gauges(text string) map[string]int64 {
	out := map[string]int64{}
	for _, line := range strings.Split(text, "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		var v int64
		fmt.Sscan(value, &v)
		out[name] = v
	}
	return out
}

// verdict is "200" for a request that reached the upstream, or "<status> <reason>" for a
// local reply.
func verdict(r *envoyhost.Response) string {
	if r == nil {
		return "no response"
	}
	if r.Status == 200 {
		return "200"
	}
	var body struct{ Reason string }
	json.Unmarshal(r.Body, &body)
	return fmt.Sprintf("%d %s", r.Status, body.Reason)
}
