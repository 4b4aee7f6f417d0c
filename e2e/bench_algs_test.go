package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// Per-algorithm rows of make bench (issue 18): a cold token of each algorithm through the
// compiled plugin (local_jwks with one key of each algorithm), next to the bare
// standard-library verification of the same token and key compiled to wasm in the same
// runtime: alternated (BenchmarkInterleavedColdAlg/<alg>, what README shows) and apart
// (BenchmarkWasmColdAlg/<alg>, BenchmarkFloorWasmAlg/<alg>). Native rows are jwtverify's
// BenchmarkVerifyAlg and BenchmarkStdlibAlg.
//
//	cd e2e && go test -run '^$' -bench 'Alg/' -benchmem .

var benchAlgKeys = sync.OnceValue(func() []*mint.Key {
	var keys []*mint.Key
	for _, alg := range mint.Algs {
		k, err := mint.New("bench-"+alg, alg)
		if err != nil {
			panic(err)
		}
		keys = append(keys, k)
	}
	return keys
})

func BenchmarkWasmColdAlg(b *testing.B) {
	for _, k := range benchAlgKeys() {
		b.Run(k.Alg, func(b *testing.B) {
			toks := tokens(b, k, b.N, nil)
			newAlgBenchEnv(b).run(b, "/orders", 200, func(i int) [][2]string { return [][2]string{auth(toks[i])} })
		})
	}
}

// allAlgorithms is every algorithm as a JSON array: ES512 is not in the default
// (config/REFERENCE.md, algorithms), and each row must reach its verification.
func allAlgorithms() string {
	b, _ := json.Marshal(mint.Algs)
	return string(b)
}

func newAlgBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	code := wasmCode(b, "JWTGUARD_WASM", ".")
	ctx := context.Background()
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: 1, ManualTicks: true, Locked: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close(ctx) })
	cfg := `{"providers":{"idp":{"issuer":"` + e2eIssuer + `","audiences":["orders"],"local_jwks":` +
		string(mint.JWKS(benchAlgKeys()...)) + `,"algorithms":` + allAlgorithms() + `}},"rules":[{"match":{"prefix":"/"},"require":{}}],"limits":{"cache_entries":10000}}`
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "jwtguard", Configuration: []byte(cfg)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close(ctx) })
	return &benchEnv{plugin: p, up: &upstreamRecorder{}}
}

var floorWasm = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "floor")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "floor.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./testdata/floor")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, errors.New("building the floor: " + err.Error() + "\n" + string(msg))
	}
	return os.ReadFile(out)
})

func BenchmarkFloorWasmAlg(b *testing.B) {
	for _, k := range benchAlgKeys() {
		b.Run(k.Alg, func(b *testing.B) {
			fn := floorAlg(b, k)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			res, err := fn.Call(ctx, uint64(b.N))
			if err != nil || res[0] != uint64(b.N) {
				b.Fatalf("floor_alg %s: %v %v (of %s)", k.Alg, res, err, strconv.Itoa(b.N))
			}
		})
	}
}

// BenchmarkInterleavedColdAlg: a cold token of each algorithm through the plugin, then the
// floor of the same algorithm and key, in turn (bench_interleaved_test.go says why): what
// README's per-algorithm rows show.
func BenchmarkInterleavedColdAlg(b *testing.B) {
	for _, k := range benchAlgKeys() {
		b.Run(k.Alg, func(b *testing.B) {
			toks := tokens(b, k, b.N, nil)
			floor := floorAlg(b, k)
			e := newAlgBenchEnv(b)
			interleave(b, "cold", "floor", func(i int) error { return e.get("/orders", toks[i]) }, floorCall(floor))
		})
	}
}

// floorAlg instantiates e2e/testdata/floor for k's algorithm and key, in the plugin's engine,
// and returns its floor_alg export.
func floorAlg(b *testing.B, k *mint.Key) api.Function {
	jwk := k.JWK()
	config := wazero.NewModuleConfig().WithStartFunctions().
		WithEnv("FLOOR_ALG", k.Alg).
		WithEnv("FLOOR_ALG_TOKEN", tokenFor(&testing.T{}, k, map[string]any{"jti": "0"}))
	for _, m := range []string{"n", "x", "y"} {
		if v, ok := jwk[m].(string); ok {
			config = config.WithEnv("FLOOR_ALG_"+string(m[0]-'a'+'A'), v)
		}
	}
	m := instantiateFloor(b, config)
	return m.ExportedFunction("floor_alg")
}
