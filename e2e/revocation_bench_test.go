package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// BenchmarkWasmCachedTokenRevocation is BenchmarkWasmCachedToken with a revocation list of
// 10^5 entries configured (static entries: the lookup and the cache's generation check are
// those of a fetched list), so that the two compare the cached path with and without
// revocation in the compiled plugin (issue 20: at most 1 µs more):
//
//	cd e2e && go test -run '^$' -bench 'WasmCachedToken(Revocation)?$' -benchmem -count 5
func BenchmarkWasmCachedTokenRevocation(b *testing.B) {
	env, tok := newRevocationBenchEnv(b)
	env.run(b, "/orders", 200, func(int) [][2]string { return [][2]string{auth(tok)} })
}

// BenchmarkInterleavedCachedTokenRevocation: a cached request to the plugin with the 10^5-entry
// list, then one to the same plugin without a list (newBenchEnv), in turn in one process
// (bench_interleaved_test.go says why): what README's revocation row shows.
func BenchmarkInterleavedCachedTokenRevocation(b *testing.B) {
	withList, tok := newRevocationBenchEnv(b)
	plain := newBenchEnv(b)
	plainTok := tokenFor(&testing.T{}, e2eKeys.RSA, nil)
	ctx := context.Background()
	noop := func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
		return &envoyhost.Response{Status: 200}, nil
	}
	a, ref := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r1 := withList.plugin.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/orders", Authority: "api", Headers: [][2]string{auth(tok)}}, noop)
		t1 := time.Now()
		r2 := plain.plugin.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/orders", Authority: "api", Headers: [][2]string{auth(plainTok)}}, noop)
		t2 := time.Now()
		if r1.Status != 200 || r2.Status != 200 {
			b.Fatalf("request %d: %d, %d", i, r1.Status, r2.Status)
		}
		a[i], ref[i] = t1.Sub(t0), t2.Sub(t1)
	}
	reportInterleaved(b, a, ref, "revocation", "plain")
}

// newRevocationBenchEnv loads the plugin with a static list of 9·10^4 jti and 10^4 sub entries
// and checks that the list is in force; tok is a valid token it does not list.
func newRevocationBenchEnv(b *testing.B) (*benchEnv, string) {
	code := wasmCode(b, "JWTGUARD_WASM", ".")
	ctx := context.Background()
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: 1, ManualTicks: true, Locked: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close(ctx) })
	exp := time.Now().Add(24 * time.Hour).Unix()
	var list mint.Revocations
	for i := 0; i < 90_000; i++ {
		list.JTI = append(list.JTI, mint.RevokeJTI("jti-"+strconv.Itoa(i), exp))
	}
	for i := 0; i < 10_000; i++ {
		list.Sub = append(list.Sub, mint.RevokeSub("sub-"+strconv.Itoa(i), exp, exp))
	}
	cfg := `{"providers":{"idp":{"issuer":"` + e2eIssuer + `","audiences":["orders"],"local_jwks":` +
		string(mint.JWKS(e2eKeys.RSA, e2eKeys.EC)) + `,"claims_to_headers":[{"claim":"sub","header":"x-jwt-sub"}],
	  "revocation":{"static":` + string(list.JSON()) + `}}},
	  "rules":[{"match":{"prefix":"/healthz"}},{"match":{"prefix":"/admin"},"require":{"scopes":["admin"]}},{"match":{"prefix":"/"},"require":{}}],
	  "limits":{"cache_entries":10000}}`
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "jwtguard", Configuration: []byte(cfg)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close(ctx) })
	tok := tokenFor(&testing.T{}, e2eKeys.RSA, map[string]any{"jti": "not-listed"})
	revoked := tokenFor(&testing.T{}, e2eKeys.RSA, map[string]any{"jti": "jti-4242"})
	noop := func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
		return &envoyhost.Response{Status: 200}, nil
	}
	if r := p.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/orders", Authority: "api", Headers: [][2]string{auth(revoked)}}, noop); r.Status != 401 {
		b.Fatalf("a listed token: %d %s; the list is not in force", r.Status, r.Body)
	}
	return &benchEnv{plugin: p, up: &upstreamRecorder{}}, tok
}
