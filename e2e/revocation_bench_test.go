package e2e

import (
	"context"
	"strconv"
	"strings"
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
	interleave(b, "revocation", "plain", func(int) error { return withList.get("/orders", tok) }, func(int) error { return plain.get("/orders", plainTok) })
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
	env := &benchEnv{plugin: p, up: &upstreamRecorder{}}
	if err := env.get("/orders", revoked); err == nil || !strings.Contains(err.Error(), ": 401 ") {
		b.Fatalf("a listed token: %v; the list is not in force", err)
	}
	return env, tok
}
