package e2e

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// Interleaved benchmarks: a request and its reference alternate within one benchmark, each
// timed on its own, so that a machine shared with other work slows both alike and their
// ratio stays meaningful (issue 19's goals are ratios). They report the median µs of each
// (a median ignores the iterations another process preempted) and their ratio as custom
// metrics:
//
//	cd e2e && go test -run '^$' -bench Interleaved -benchtime 2000x .

func reportInterleaved(b *testing.B, a, ref []time.Duration, aName, refName string) {
	median := func(d []time.Duration) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[len(s)/2].Nanoseconds()) / 1e3
	}
	ma, mr := median(a), median(ref)
	b.ReportMetric(ma, aName+"-µs")
	b.ReportMetric(mr, refName+"-µs")
	b.ReportMetric(ma/mr, "ratio")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkInterleavedColdRS256: a new valid RS256 token through the plugin, then the bare
// standard-library verification compiled to wasm (the floor, e2e/testdata/floor), in turn.
func BenchmarkInterleavedColdRS256(b *testing.B) {
	benchInterleavedCold(b, tokens(b, e2eKeys.RSA, b.N, nil), "floor_rs256")
}

// BenchmarkInterleavedColdES256: the same with ES256 tokens and the ES256 floor.
func BenchmarkInterleavedColdES256(b *testing.B) {
	benchInterleavedCold(b, tokens(b, e2eKeys.EC, b.N, nil), "floor_es256")
}

func benchInterleavedCold(b *testing.B, toks []string, floorExport string) {
	floor := floorModule(b).ExportedFunction(floorExport)
	e := newBenchEnv(b)
	ctx := context.Background()
	noop := func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
		return &envoyhost.Response{Status: 200}, nil
	}
	cold, ref := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r := e.plugin.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/orders", Authority: "api", Headers: [][2]string{auth(toks[i])}}, noop)
		t1 := time.Now()
		res, err := floor.Call(ctx, 1)
		t2 := time.Now()
		if r.Status != 200 || err != nil || res[0] != 1 {
			b.Fatalf("request %d: %d %s; floor %v %v", i, r.Status, r.Body, res, err)
		}
		cold[i], ref[i] = t1.Sub(t0), t2.Sub(t1)
	}
	reportInterleaved(b, cold, ref, "cold", "floor")
}

// BenchmarkInterleavedCachedToken: a request with a cached token, then an open-route
// request, in turn.
func BenchmarkInterleavedCachedToken(b *testing.B) {
	tok := tokenFor(&testing.T{}, e2eKeys.RSA, nil)
	e := newBenchEnv(b)
	ctx := context.Background()
	noop := func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
		return &envoyhost.Response{Status: 200}, nil
	}
	cached, open := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r1 := e.plugin.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/orders", Authority: "api", Headers: [][2]string{auth(tok)}}, noop)
		t1 := time.Now()
		r2 := e.plugin.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/healthz", Authority: "api"}, noop)
		t2 := time.Now()
		if r1.Status != 200 || r2.Status != 200 {
			b.Fatalf("request %d: %d, %d", i, r1.Status, r2.Status)
		}
		cached[i], open[i] = t1.Sub(t0), t2.Sub(t1)
	}
	reportInterleaved(b, cached, open, "cached", "open")
}

// BenchmarkInterleavedJWTVerifyRS256: jwtverify's parse, claims and verification of one
// RS256 token (e2e/testdata/floor's jwtverify_rs256), then the floor, in turn, in the same
// module: what jwtverify adds around the signature, without the proxy's request path.
func BenchmarkInterleavedJWTVerifyRS256(b *testing.B) {
	m := floorModule(b)
	jv, floor := m.ExportedFunction("jwtverify_rs256"), m.ExportedFunction("floor_rs256")
	ctx := context.Background()
	own, ref := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r1, err1 := jv.Call(ctx, 1)
		t1 := time.Now()
		r2, err2 := floor.Call(ctx, 1)
		t2 := time.Now()
		if err1 != nil || err2 != nil || r1[0] != 1 || r2[0] != 1 {
			b.Fatalf("iteration %d: %v %v %v %v", i, r1, err1, r2, err2)
		}
		own[i], ref[i] = t1.Sub(t0), t2.Sub(t1)
	}
	reportInterleaved(b, own, ref, "jwtverify", "floor")
}

// BenchmarkInterleavedBaseCachedToken and BenchmarkInterleavedBaseColdRS256: the same
// request through JWTGUARD_WASM and through JWTGUARD_WASM_BASE (another build of the
// plugin, e.g. of the main branch), in turn, in one process: a change's effect as a ratio
// (new/base) that a busy machine does not skew. Skipped without JWTGUARD_WASM_BASE:
//
//	cd e2e && JWTGUARD_WASM=... JWTGUARD_WASM_BASE=... go test -run '^$' -bench InterleavedBase -benchtime 20000x .
func BenchmarkInterleavedBaseCachedToken(b *testing.B) {
	tok := tokenFor(&testing.T{}, e2eKeys.RSA, nil)
	benchInterleavedBase(b, func(int) string { return tok })
}

func BenchmarkInterleavedBaseColdRS256(b *testing.B) {
	toks := tokens(b, e2eKeys.RSA, b.N, nil)
	benchInterleavedBase(b, func(i int) string { return toks[i] })
}

func benchInterleavedBase(b *testing.B, token func(i int) string) {
	basePath := os.Getenv("JWTGUARD_WASM_BASE")
	if basePath == "" {
		b.Skip("JWTGUARD_WASM_BASE is not set")
	}
	baseCode, err := os.ReadFile(basePath)
	if err != nil {
		b.Fatal(err)
	}
	e := newBenchEnv(b)
	base := newBenchEnvFrom(b, baseCode, true, 10000, nil)
	ctx := context.Background()
	noop := func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
		return &envoyhost.Response{Status: 200}, nil
	}
	req := func(i int) *envoyhost.Request {
		return &envoyhost.Request{Method: "GET", Path: "/orders", Authority: "api", Headers: [][2]string{auth(token(i))}}
	}
	cur, ref := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r1 := e.plugin.Handle(ctx, req(i), noop)
		t1 := time.Now()
		r2 := base.plugin.Handle(ctx, req(i), noop)
		t2 := time.Now()
		if r1.Status != 200 || r2.Status != 200 {
			b.Fatalf("request %d: %d, %d", i, r1.Status, r2.Status)
		}
		cur[i], ref[i] = t1.Sub(t0), t2.Sub(t1)
	}
	reportInterleaved(b, cur, ref, "new", "base")
}
