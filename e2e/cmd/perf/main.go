// Command perf prints jwtguard's performance table (README, Performance): the per-request
// benchmarks of the compiled plugin against their floors (read from `go test -bench`
// output), HTTP throughput and latency through devproxy with and without the filter, start-up
// cost, memory under cache churn, and the .wasm size — each with its ratio and target.
//
//	make bench
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/e2e/devproxy"
	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/e2e/load"
	"github.com/jwtguard/jwtguard/e2e/soak"
	"github.com/jwtguard/jwtguard/internal/mint"
)

func main() {
	wasm := flag.String("wasm", "build/jwtguard.wasm", "the plugin")
	benchFiles := flag.String("bench", "", "outputs of go test -bench (the e2e package, jwtverify), comma-separated")
	requests := flag.Int("requests", 20000, "HTTP requests per cached-token run")
	cold := flag.Int("cold", 2000, "HTTP requests (distinct tokens) in the cold run")
	concurrency := flag.Int("concurrency", 8, "HTTP clients")
	workers := flag.Int("workers", 2, "devproxy workers")
	churn := flag.Int("churn", 120000, "requests for the memory row (cached and uncached tokens, cache churn)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (host, devproxy, load generator) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "perf:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*wasm, *benchFiles, *requests, *cold, *concurrency, *workers, *churn); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(wasmFile, benchFiles string, requests, cold, concurrency, workers, churn int) error {
	code, err := os.ReadFile(wasmFile)
	if err != nil {
		return err
	}
	bench := map[string]float64{}
	for _, file := range strings.Split(benchFiles, ",") {
		if file == "" {
			continue
		}
		got, err := readBench(file)
		if err != nil {
			return err
		}
		maps.Copy(bench, got)
	}
	st, err := os.Stat(wasmFile)
	if err != nil {
		return err
	}
	rows := benchRows(bench, st.Size())

	hot, coldRun, base, err := httpRun(code, requests, cold, concurrency, workers)
	if err != nil {
		return err
	}
	rows = append(rows, httpRows(hot, coldRun, base, concurrency, workers)...)

	if churn > 0 {
		// A cache small enough to be full within the first fifth of the run (each worker sees
		// about churn/10 new-token requests over 3×cache distinct tokens), so that the second
		// half shows whether memory stays where the full cache put it.
		const cache = 2000
		r, err := soak.Run(context.Background(), soak.Options{Wasm: code, Requests: churn, Concurrency: workers, CacheEntries: cache,
			UniqueTokens: 3 * cache, Rotations: 1, Only: "hot,unique,open"})
		if err != nil {
			return err
		}
		rows = append(rows, memoryRows(r.MemoryMiB, r.HeapMiB, churn, 3*cache, cache, workers)...)
	}
	printTable(os.Stdout, rows)
	return nil
}

// readBench reads `go test -bench` output: the median ns/op of each benchmark over its runs
// (-count), so that one disturbed run does not set a ratio.
func readBench(file string) (map[string]float64, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	runs := map[string][]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		// ns/op under the benchmark's name; the interleaved benchmarks' medians (custom
		// units "<what>-µs") as name/<what>, in ns like the rest.
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			unit := fields[i+1]
			switch {
			case err != nil:
			case unit == "ns/op" && v > 0:
				runs[name] = append(runs[name], v)
			case strings.HasSuffix(unit, "-µs"):
				runs[name+"/"+strings.TrimSuffix(unit, "-µs")] = append(runs[name+"/"+strings.TrimSuffix(unit, "-µs")], v*1e3)
			}
		}
	}
	out := map[string]float64{}
	for name, vs := range runs {
		out[name] = median(vs)
	}
	return out, sc.Err()
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// httpRun measures throughput and latency over loopback HTTP: a client → devproxy →
// upstream, through a listener with the plugin and one without.
func httpRun(code []byte, requests, cold, concurrency, workers int) (hot, coldRun, base load.Result, err error) {
	ctx := context.Background()
	keys := mint.MustKeys()
	const issuer = "https://perf-idp.example/"
	upstream, err := serve(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) }))
	if err != nil {
		return hot, coldRun, base, err
	}
	jwks := mint.JWKS(keys.RSA, keys.EC)
	idp, err := serve(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(jwks) }))
	if err != nil {
		return hot, coldRun, base, err
	}
	plugin := `{"providers": {"perf": {"issuer": "` + issuer + `", "audiences": ["perf-api"],
      "remote_jwks": {"cluster": "idp", "authority": "idp", "path": "/jwks"}}},
    "rules": [{"match": {"prefix": "/"}, "require": {}}]}`
	routes := []devproxy.Route{{Prefix: "/", Cluster: "upstream"}}
	cfg := &devproxy.Config{
		Listeners: []devproxy.Listener{
			{Name: "guarded", Address: "127.0.0.1:0", Routes: routes,
				Wasm: &devproxy.WasmFilter{Name: "jwtguard", Filename: "inline", Configuration: []byte(plugin)}},
			{Name: "plain", Address: "127.0.0.1:0", Routes: routes},
		},
		Clusters: map[string]devproxy.ClusterConfig{"idp": {Address: idp}, "upstream": {Address: upstream}},
	}
	dir, err := os.MkdirTemp("", "perf")
	if err != nil {
		return hot, coldRun, base, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(dir+"/inline", code, 0o644); err != nil {
		return hot, coldRun, base, err
	}
	p, err := devproxy.Start(ctx, cfg, devproxy.Options{Concurrency: workers, Profile: envoyhost.Post533, BaseDir: dir})
	if err != nil {
		return hot, coldRun, base, err
	}
	defer p.Close(ctx)
	guarded := "http://" + p.Listeners[0].Addr().String() + "/api"
	plain := "http://" + p.Listeners[1].Addr().String() + "/api"

	now := time.Now().Unix()
	mintToken := func(i int) string {
		tok, err := keys.RSA.Sign(map[string]any{"iss": issuer, "aud": "perf-api", "sub": "perf", "exp": now + 3600, "jti": strconv.Itoa(i)}, nil)
		if err != nil {
			panic(err)
		}
		return tok
	}
	cached := mintToken(-1)
	coldTokens := make([]string, cold)
	for i := range coldTokens {
		coldTokens[i] = mintToken(i)
	}
	get := func(url, token string) *http.Request {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	}
	// Warm up: the first fetch, connections, the cache entry on every worker.
	load.Run(ctx, 200, concurrency, time.Minute, func(int) *http.Request { return get(guarded, cached) })
	load.Run(ctx, 200, concurrency, time.Minute, func(int) *http.Request { return get(plain, cached) })

	const limit = 2 * time.Minute
	base = load.Run(ctx, requests, concurrency, limit, func(int) *http.Request { return get(plain, cached) })
	hot = load.Run(ctx, requests, concurrency, limit, func(int) *http.Request { return get(guarded, cached) })
	coldRun = load.Run(ctx, cold, concurrency, limit, func(i int) *http.Request { return get(guarded, coldTokens[i]) })
	for name, r := range map[string]load.Result{"without the filter": base, "cached": hot, "cold": coldRun} {
		if r.Errors > 0 || r.Statuses[200] != r.Requests {
			return hot, coldRun, base, fmt.Errorf("HTTP %s: %d errors, statuses %v", name, r.Errors, r.Statuses)
		}
	}
	return hot, coldRun, base, nil
}

// serve starts an HTTP server on a loopback port and returns its address.
func serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(ln, h)
	return ln.Addr().String(), nil
}
