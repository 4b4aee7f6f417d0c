package e2e

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	jwt "github.com/golang-jwt/jwt/v5"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// Benchmarks of the compiled plugin, per request, in the Envoy-like host (wazero compiler),
// with the floors in the same run:
//
//	make bench   (or: cd e2e && go test -run '^$' -bench . -benchmem)
//
// Wasm* go through envoyhost's Plugin.Handle (one worker VM, a no-op upstream) with the VM
// driven on the benchmark's goroutine, as Envoy's worker thread calls the VM it owns: they
// include every export and hostcall of a request and the host's header copies.
// WasmHandOff* run the same requests through the host's goroutine-per-VM hand-off (its mode
// without Options.Locked, used by tests that queue work); neither Envoy nor devproxy calls a
// VM that way. The difference is the cost of waking the VM's goroutine and being woken back.
// FloorWasm* is the bare standard-library verification compiled to wasm and run in the
// same runtime; Native* the same natively; PeerGolangJWT* golang-jwt v5 natively.

type benchEnv struct {
	plugin *envoyhost.Plugin
	up     *upstreamRecorder
}

func newBenchEnv(b *testing.B) *benchEnv { return newBenchEnvCache(b, true, 10000, nil) }

// newBenchEnvHandOff: the VM runs on its own goroutine (envoyhost's default mode).
func newBenchEnvHandOff(b *testing.B) *benchEnv { return newBenchEnvCache(b, false, 10000, nil) }

// newBenchEnvCache: locked runs the VM on the benchmark's goroutine (Options.Locked),
// cacheEntries is the plugin's limits.cache_entries, env the VM's environment variables
// (vm_config.environment_variables).
func newBenchEnvCache(b *testing.B, locked bool, cacheEntries int, env []string) *benchEnv {
	return newBenchEnvFrom(b, wasmCode(b, "JWTGUARD_WASM", "."), locked, cacheEntries, env)
}

// newBenchEnvFrom is newBenchEnvCache with the module's code given.
func newBenchEnvFrom(b *testing.B, code []byte, locked bool, cacheEntries int, env []string) *benchEnv {
	b.Helper()
	ctx := context.Background()
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: 1, ManualTicks: true, Locked: locked})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close(ctx) })
	cfg := `{"providers":{"idp":{"issuer":"` + e2eIssuer + `","audiences":["orders"],"local_jwks":` +
		string(mint.JWKS(e2eKeys.RSA, e2eKeys.EC)) + `,"claims_to_headers":[{"claim":"sub","header":"x-jwt-sub"}]}},
	  "rules":[{"match":{"prefix":"/healthz"}},{"match":{"prefix":"/admin"},"require":{"scopes":["admin"]}},{"match":{"prefix":"/"},"require":{}}],
	  "limits":{"cache_entries":` + strconv.Itoa(cacheEntries) + `}}`
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "jwtguard", Configuration: []byte(cfg), Env: env})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close(ctx) })
	return &benchEnv{plugin: p, up: &upstreamRecorder{}}
}

func (e *benchEnv) run(b *testing.B, path string, want int, headers func(i int) [][2]string) {
	ctx := context.Background()
	noop := func(context.Context, *envoyhost.Request) (*envoyhost.Response, error) {
		return &envoyhost.Response{Status: 200}, nil
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := e.plugin.Handle(ctx, &envoyhost.Request{Method: "GET", Path: path, Authority: "api", Headers: headers(i)}, noop)
		if r.Status != want {
			b.Fatalf("request %d: %d %s", i, r.Status, r.Body)
		}
	}
}

// tokens mints n distinct tokens before the timer starts.
func tokens(b *testing.B, k *mint.Key, n int, overrides map[string]any) []string {
	out := make([]string, n)
	for i := range out {
		o := map[string]any{"jti": strconv.Itoa(i)}
		for k, v := range overrides {
			o[k] = v
		}
		out[i] = tokenFor(&testing.T{}, k, o)
	}
	return out
}

func BenchmarkWasmOpenRoute(b *testing.B) {
	newBenchEnv(b).run(b, "/healthz", 200, func(int) [][2]string { return nil })
}

func BenchmarkWasmCachedToken(b *testing.B) {
	tok := tokenFor(&testing.T{}, e2eKeys.RSA, nil)
	newBenchEnv(b).run(b, "/orders", 200, func(int) [][2]string { return [][2]string{auth(tok)} })
}

func BenchmarkWasmHandOffOpenRoute(b *testing.B) {
	newBenchEnvHandOff(b).run(b, "/healthz", 200, func(int) [][2]string { return nil })
}

func BenchmarkWasmHandOffCachedToken(b *testing.B) {
	tok := tokenFor(&testing.T{}, e2eKeys.RSA, nil)
	newBenchEnvHandOff(b).run(b, "/orders", 200, func(int) [][2]string { return [][2]string{auth(tok)} })
}

func BenchmarkWasmColdRS256(b *testing.B) {
	toks := tokens(b, e2eKeys.RSA, b.N, nil)
	newBenchEnv(b).run(b, "/orders", 200, func(i int) [][2]string { return [][2]string{auth(toks[i])} })
}

// NoCache: the same with limits.cache_entries 0, which shows what a full cache costs the
// cold path (a larger live heap for the guest's garbage collector to mark).
func BenchmarkWasmColdRS256NoCache(b *testing.B) {
	toks := tokens(b, e2eKeys.RSA, b.N, nil)
	newBenchEnvCache(b, true, 0, nil).run(b, "/orders", 200, func(i int) [][2]string { return [][2]string{auth(toks[i])} })
}

// GOGC400: the same with GOGC=400 in the VM's environment, which an operator sets through
// vm_config.environment_variables: fewer garbage collections for a larger heap.
func BenchmarkWasmColdRS256GOGC400(b *testing.B) {
	toks := tokens(b, e2eKeys.RSA, b.N, nil)
	newBenchEnvCache(b, true, 10000, []string{"GOGC=400"}).run(b, "/orders", 200, func(i int) [][2]string { return [][2]string{auth(toks[i])} })
}

func BenchmarkWasmColdES256(b *testing.B) {
	toks := tokens(b, e2eKeys.EC, b.N, nil)
	newBenchEnv(b).run(b, "/orders", 200, func(i int) [][2]string { return [][2]string{auth(toks[i])} })
}

// Forged: unique tokens whose signature is wrong, as an attacker would send them.
func BenchmarkWasmForgedRS256(b *testing.B) {
	toks := tokens(b, e2eKeys.RSA, b.N, nil)
	for i, t := range toks {
		j := strings.LastIndexByte(t, '.') + 5
		c := byte('A')
		if t[j] == 'A' {
			c = 'B'
		}
		toks[i] = t[:j] + string(c) + t[j+1:]
	}
	newBenchEnv(b).run(b, "/orders", 401, func(i int) [][2]string { return [][2]string{auth(toks[i])} })
}

func BenchmarkWasmInsufficientScope(b *testing.B) {
	tok := tokenFor(&testing.T{}, e2eKeys.RSA, nil)
	newBenchEnv(b).run(b, "/admin/x", 403, func(int) [][2]string { return [][2]string{auth(tok)} })
}

// BenchmarkWasmStartVM: one worker's start-up — instantiate the compiled module, run
// _initialize (the Go runtime), vm_start and configure (parsing and validating the
// configuration, its regexes and local keys).
func BenchmarkWasmStartVM(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.plugin.StartVM(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWasmCompile: compiling the module to machine code, which Envoy does once per
// plugin load (wazero's compiler here; V8 in Envoy is lazier).
func BenchmarkWasmCompile(b *testing.B) {
	code := wasmCode(b, "JWTGUARD_WASM", ".")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
		if _, err := rt.CompileModule(ctx, code); err != nil {
			b.Fatal(err)
		}
		rt.Close(ctx)
	}
}

// floorModule instantiates e2e/testdata/floor in a wazero compiler runtime, with the keys
// and tokens of the Wasm* benchmarks (a cold token carries a jti, as theirs do).
func floorModule(b *testing.B) api.Module {
	var jwks struct {
		Keys []struct{ Kty, N, X, Y string }
	}
	if err := json.Unmarshal(mint.JWKS(e2eKeys.RSA, e2eKeys.EC), &jwks); err != nil {
		b.Fatal(err)
	}
	config := wazero.NewModuleConfig().WithStartFunctions().
		WithEnv("FLOOR_RS256_TOKEN", tokenFor(&testing.T{}, e2eKeys.RSA, map[string]any{"jti": "0"})).
		WithEnv("FLOOR_ES256_TOKEN", tokenFor(&testing.T{}, e2eKeys.EC, map[string]any{"jti": "0"})).
		WithEnv("FLOOR_JWKS", string(mint.JWKS(e2eKeys.RSA))).WithEnv("FLOOR_ISSUER", e2eIssuer).WithEnv("FLOOR_AUDIENCE", "orders").
		WithSysWalltime()
	for _, k := range jwks.Keys {
		if k.Kty == "RSA" {
			config = config.WithEnv("FLOOR_RSA_N", k.N)
		} else {
			config = config.WithEnv("FLOOR_EC_X", k.X).WithEnv("FLOOR_EC_Y", k.Y)
		}
	}
	return instantiateFloor(b, config)
}

// instantiateFloor runs e2e/testdata/floor (built once per process, floorWasm) with config
// in the plugin's engine and linear-memory backing, initialized.
func instantiateFloor(b *testing.B, config wazero.ModuleConfig) api.Module {
	code, err := floorWasm()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rt := envoyhost.NewRuntime(ctx)
	b.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	m, err := rt.InstantiateWithConfig(envoyhost.WithReservedMemory(ctx), code, config)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.ExportedFunction("_initialize").Call(ctx); err != nil {
		b.Fatal(err)
	}
	return m
}

func benchFloor(b *testing.B, export string) {
	fn := floorModule(b).ExportedFunction(export)
	b.ReportAllocs()
	b.ResetTimer()
	res, err := fn.Call(context.Background(), uint64(b.N))
	if err != nil || res[0] != uint64(b.N) {
		b.Fatalf("%s: %v %v", export, res, err)
	}
}

func BenchmarkFloorWasmRS256(b *testing.B) { benchFloor(b, "floor_rs256") }
func BenchmarkFloorWasmES256(b *testing.B) { benchFloor(b, "floor_es256") }

// BenchmarkJWTVerifyWasmRS256: jwtverify's parse, claims and verification of the same
// token in the same runtime, without the proxy-wasm request path.
func BenchmarkJWTVerifyWasmRS256(b *testing.B) { benchFloor(b, "jwtverify_rs256") }

func BenchmarkNativeRS256(b *testing.B) {
	tok := tokenFor(&testing.T{}, e2eKeys.RSA, nil)
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	pub := publicOf(b, e2eKeys.RSA).(*rsa.PublicKey)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		d := sha256.Sum256([]byte(tok[:i]))
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig) != nil {
			b.Fatal("verify")
		}
	}
}

func BenchmarkNativeES256(b *testing.B) {
	tok := tokenFor(&testing.T{}, e2eKeys.EC, nil)
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	pub := publicOf(b, e2eKeys.EC).(*ecdsa.PublicKey)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		d := sha256.Sum256([]byte(tok[:i]))
		if !ecdsa.Verify(pub, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			b.Fatal("verify")
		}
	}
}

func benchPeer(b *testing.B, k *mint.Key) {
	tok := tokenFor(&testing.T{}, k, nil)
	pub := publicOf(b, k)
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256", "ES256"}), jwt.WithIssuer(e2eIssuer),
		jwt.WithAudience("orders"), jwt.WithExpirationRequired(), jwt.WithLeeway(time.Minute))
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := parser.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPeerGolangJWTRS256(b *testing.B) { benchPeer(b, e2eKeys.RSA) }
func BenchmarkPeerGolangJWTES256(b *testing.B) { benchPeer(b, e2eKeys.EC) }

// publicOf reads a mint key's public half back from its JWK.
func publicOf(b *testing.B, k *mint.Key) any {
	jwk := k.JWK()
	dec := func(name string) *big.Int {
		v, err := base64.RawURLEncoding.DecodeString(jwk[name].(string))
		if err != nil {
			b.Fatal(err)
		}
		return new(big.Int).SetBytes(v)
	}
	if jwk["kty"] == "RSA" {
		return &rsa.PublicKey{N: dec("n"), E: int(dec("e").Int64())}
	}
	point := append([]byte{4}, dec("x").FillBytes(make([]byte, 32))...)
	point = append(point, dec("y").FillBytes(make([]byte, 32))...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		b.Fatal(err)
	}
	return pub
}
