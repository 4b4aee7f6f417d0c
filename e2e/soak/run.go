package soak

import (
	"context"
	"fmt"
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

// Run performs the soak, in phases: the keys and token pools, the host and plugin, the
// request classes drawn from the seed, then the run itself while keys rotate (rotation) and
// the IdP flaps (flap), and the totals read from the plugin's counters.
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
	say("generating keys and %d unique tokens", opts.UniqueTokens)
	tk, err := makeTokens(&opts)
	if err != nil {
		return nil, err
	}
	// The IdP starts with the stable keys and the first rotating key.
	id := &idp{served: map[string]time.Time{}}
	id.publish(tk.stableRSA, tk.stableEC, tk.rotating[0])
	var panicLogs atomic.Int64
	h, plugin, err := startPlugin(ctx, opts, id, &panicLogs)
	if err != nil {
		return nil, err
	}
	defer h.Close(ctx)
	defer plugin.Close(ctx)
	classes, picks, draws, err := drawRequests(opts)
	if err != nil {
		return nil, err
	}
	rot := &rotation{id: id, tk: tk, period: max(opts.Requests/opts.Rotations, 1), rotations: opts.Rotations, last: -1}
	defer flap(id)()

	r := &runner{opts: opts, tk: tk, rot: rot, h: h, plugin: plugin, classes: classes, picks: picks, draws: draws,
		say: say, res: &Result{Requests: opts.Requests, ByClass: map[string]int{}}}
	r.drive(ctx)
	res := r.res
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

// tokens are the keys and the pools of tokens each request class draws from.
type tokens struct {
	now                           int64
	stableRSA, stableEC, attacker *mint.Key
	rotating                      []*mint.Key
	hot, unique, forged, expired  []string
	rotTokens                     [][]string
	ghostTokens                   []string
	malformed, malformedReason    []string
}

func (tk *tokens) claims(extra map[string]any) map[string]any {
	c := map[string]any{"iss": issuer, "aud": audience, "sub": "soak", "iat": tk.now - 5, "exp": tk.now + 4*3600, "scope": "orders:read"}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func sign(k *mint.Key, c map[string]any) string {
	tok, err := k.Sign(c, nil)
	if err != nil {
		panic(err) // the system's random source failed
	}
	return tok
}

// pool makes n tokens with mk, on every CPU.
func pool(n int, mk func(i int) string) []string {
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

// makeTokens generates the keys (stable, an attacker's key with the stable kid, one per
// rotation, a ghost the IdP never publishes) and the token pools. With -only unique every
// token is minted at request time instead (opts.UniqueTokens becomes 0).
func makeTokens(opts *Options) (*tokens, error) {
	tk := &tokens{now: time.Now().Unix(),
		malformed:       []string{"not-a-jwt", "a.b", "a.b.c", "eyJ.eyJ.AA", strings.Repeat("A", 9000)},
		malformedReason: []string{"malformed_token", "malformed_token", "bad_base64", "bad_base64", "token_too_large"}}
	var err error
	if tk.stableRSA, err = mint.NewRSA("stable-rsa", 2048); err != nil {
		return nil, err
	}
	if tk.stableEC, err = mint.NewEC("stable-ec"); err != nil {
		return nil, err
	}
	if tk.attacker, err = mint.NewRSA("stable-rsa", 2048); err != nil {
		return nil, err
	}
	tk.rotating = make([]*mint.Key, opts.Rotations+1)
	for i := range tk.rotating {
		if i%2 == 0 {
			tk.rotating[i], err = mint.NewEC(fmt.Sprintf("rot-%d", i))
		} else {
			tk.rotating[i], err = mint.NewRSA(fmt.Sprintf("rot-%d", i), 2048)
		}
		if err != nil {
			return nil, err
		}
	}
	ghost, err := mint.NewEC("ghost")
	if err != nil {
		return nil, err
	}
	tk.hot = pool(64, func(i int) string {
		k := tk.stableRSA
		if i%4 == 0 {
			k = tk.stableEC
		}
		return sign(k, tk.claims(map[string]any{"jti": fmt.Sprint("hot-", i)}))
	})
	if opts.Only == "unique" {
		opts.UniqueTokens = 0
	}
	tk.unique = pool(opts.UniqueTokens, func(i int) string {
		return sign(tk.stableRSA, tk.claims(map[string]any{"jti": fmt.Sprint("u-", i)}))
	})
	tk.forged = pool(256, func(i int) string {
		return sign(tk.attacker, tk.claims(map[string]any{"jti": fmt.Sprint("f-", i)}))
	})
	tk.expired = pool(64, func(i int) string {
		return sign(tk.stableRSA, tk.claims(map[string]any{"jti": fmt.Sprint("e-", i), "exp": tk.now - 3600}))
	})
	tk.rotTokens = make([][]string, len(tk.rotating))
	for i, k := range tk.rotating {
		tk.rotTokens[i] = pool(8, func(j int) string { return sign(k, tk.claims(map[string]any{"jti": fmt.Sprint("r-", i, "-", j)})) })
	}
	tk.ghostTokens = pool(16, func(j int) string { return sign(ghost, tk.claims(map[string]any{"jti": fmt.Sprint("g-", j)})) })
	return tk, nil
}

// startPlugin starts the host with the IdP as cluster "idp" and loads the plugin; panicLogs
// counts log lines that mention a panic.
func startPlugin(ctx context.Context, opts Options, id *idp, panicLogs *atomic.Int64) (*envoyhost.Host, *envoyhost.Plugin, error) {
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: opts.Concurrency, Profile: opts.Profile,
		Clusters: map[string]*envoyhost.Cluster{"idp": {Address: "idp.invalid:80", Client: &http.Client{Transport: id}}},
		Log: func(level int, msg string) {
			if strings.Contains(msg, "panic") {
				panicLogs.Add(1)
			}
		}})
	if err != nil {
		return nil, nil, err
	}
	// pending_timeout 300ms: a token with an unknown kid is held until the next fetch when one
	// comes within pending_timeout (issue 15); with the default 10s every ghost-kid request
	// would wait for the next refetch (up to refetch_min_interval, 1s) and the synchronous
	// clients would spend the run waiting. Nothing else here waits for keys: rotated keys are
	// used only after every VM could adopt them, and the first fetch answers in milliseconds.
	config := fmt.Sprintf(`{"providers": {"soak": {"issuer": %q, "audiences": [%q],
  "remote_jwks": {"cluster": "idp", "authority": "idp.invalid", "path": "/jwks", "refresh_interval": "2s",
                  "timeout": "1s", "refetch_min_interval": "1s", "backoff_base_interval": "100ms", "backoff_max_interval": "1s"}}},
  "rules": [{"match": {"prefix": "/healthz"}}, {"match": {"prefix": "/admin"}, "require": {"scopes": ["admin"]}},
            {"match": {"prefix": "/api"}, "require": {}}],
  "limits": {"cache_entries": %d, "pending_timeout": "300ms"}}`, issuer, audience, opts.CacheEntries)
	plugin, err := h.LoadPlugin(ctx, opts.Wasm, envoyhost.PluginConfig{Name: "jwtguard", Configuration: []byte(config), Env: opts.Env})
	if err != nil {
		h.Close(ctx)
		return nil, nil, err
	}
	return h, plugin, nil
}

// drawRequests pre-draws each request's class (among opts.Only, if set) and a number that
// picks its token, so that the run is reproducible from the seed.
func drawRequests(opts Options) (chosen []class, picks []uint8, draws []uint32, err error) {
	chosen = classes
	if opts.Only != "" {
		chosen = nil
		for _, c := range classes {
			for _, name := range strings.Split(opts.Only, ",") {
				if c.name == name {
					chosen = append(chosen, c)
				}
			}
		}
		if chosen == nil {
			return nil, nil, nil, fmt.Errorf("soak: no request class %q", opts.Only)
		}
	}
	totalWeight := 0
	for _, c := range chosen {
		totalWeight += c.weight
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 1))
	picks = make([]uint8, opts.Requests)
	draws = make([]uint32, opts.Requests)
	for i := range picks {
		w := rng.IntN(totalWeight)
		for ci, c := range chosen {
			if w < c.weight {
				picks[i] = uint8(ci)
				break
			}
			w -= c.weight
		}
		draws[i] = rng.Uint32()
	}
	return chosen, picks, draws, nil
}

// rotation rotates keys by request index, as an IdP does it: rotation r publishes
// rotating[r+1] next to rotating[r] at the start of its period; a quarter in, and not before
// the IdP has served the new key in a good answer and every VM has had a tick to adopt it,
// tokens are signed with rotating[r+1]; at half, rotating[r] is retired. So every verdict is
// exact: a valid token's key is published and fetched by the time it is used.
type rotation struct {
	id                *idp
	tk                *tokens
	period, rotations int
	signing           atomic.Int64 // index into rotating of the key the "rotating" class signs with
	mu                sync.Mutex
	last              int
}

// adopt is how long a new key must have been served before tokens use it: 4 ticks of 250 ms.
const adopt = time.Second

// advance runs the rotation events up to request n.
func (r *rotation) advance(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for e := r.last + 1; e <= n; e++ {
		rot, phase := e/r.period, e%r.period
		if rot >= r.rotations {
			break
		}
		tk := r.tk
		switch phase {
		case 0:
			r.id.publish(tk.stableRSA, tk.stableEC, tk.rotating[rot], tk.rotating[rot+1])
		case r.period / 4:
			for r.id.servedFor(tk.rotating[rot+1].Kid) < adopt {
				time.Sleep(50 * time.Millisecond)
			}
			r.signing.Store(int64(rot + 1))
		case r.period / 2:
			r.id.publish(tk.stableRSA, tk.stableEC, tk.rotating[rot+1])
		}
	}
	r.last = max(r.last, n)
}

// flap takes the IdP down (alternately 503 and a reset mid-body) for 1.5 s of every 4 s, by
// the clock, so that scheduled refreshes and unknown-kid refetches meet it down. The returned
// function stops it.
func flap(id *idp) (stop func()) {
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(2500 * time.Millisecond):
			}
			id.setDown(true)
			select {
			case <-done:
				return
			case <-time.After(1500 * time.Millisecond):
			}
			id.setDown(false)
		}
	}()
	return func() { close(done) }
}
