package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/internal/pollfix"
)

// suiteProfiles are the WASI profiles the suite runs the shipped module under. `make
// test-e2e` runs the suite once per profile with JWTGUARD_WASI_PROFILE=post533, then =pre533;
// unset (a plain `go test`), tests that loop over profiles take both.
func suiteProfiles(t testing.TB) []envoyhost.Profile {
	switch v := os.Getenv("JWTGUARD_WASI_PROFILE"); v {
	case "":
		return []envoyhost.Profile{envoyhost.Post533, envoyhost.Pre533}
	case "pre533":
		return []envoyhost.Profile{envoyhost.Pre533}
	case "post533":
		return []envoyhost.Profile{envoyhost.Post533}
	default:
		t.Fatalf("JWTGUARD_WASI_PROFILE=%q: want pre533 or post533", v)
		return nil
	}
}

// suiteProfile is the profile for tests that run once: JWTGUARD_WASI_PROFILE's, else
// pre-#533, the host the shipped module must survive (Envoy 1.33–1.38, Istio 1.25–1.30).
func suiteProfile(t testing.TB) envoyhost.Profile {
	if os.Getenv("JWTGUARD_WASI_PROFILE") == "" {
		return envoyhost.Pre533
	}
	return suiteProfiles(t)[0]
}

// profileIndependent skips a test that sets its own profiles in the post-#533 pass of
// `make test-e2e`: the pre-#533 pass (or a plain go test) runs it, once.
func profileIndependent(t *testing.T) {
	if os.Getenv("JWTGUARD_WASI_PROFILE") == "post533" {
		t.Skip("sets its own profiles: run in the JWTGUARD_WASI_PROFILE=pre533 pass")
	}
}

// shippedModule rewrites the raw plugin at raw as `make build` does, next to it.
func shippedModule(t testing.TB, raw string) string {
	t.Helper()
	code, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := pollfix.Rewrite(code)
	if err != nil {
		t.Fatalf("pollfix %s: %v", raw, err)
	}
	p := filepath.Join(t.TempDir(), "jwtguard.wasm")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// buildRawPlugin builds the plugin without the rewrite with the given toolchain ("" for the
// installed Go).
func buildRawPlugin(t testing.TB, toolchain string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "jwtguard.raw.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", out, ".")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if toolchain != "" {
		cmd.Env = append(cmd.Env, "GOTOOLCHAIN="+toolchain)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin with %q: %v\n%s", toolchain, err, b)
	}
	return out
}

// rawPluginCode is the plugin as the compiler leaves it: JWTGUARD_WASM_RAW, or built.
func rawPluginCode(t testing.TB) []byte {
	t.Helper()
	p := os.Getenv("JWTGUARD_WASM_RAW")
	if p == "" {
		p = buildRawPlugin(t, "")
	}
	code, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestPollfixOnThePlugin: the rewrite of the real plugin, built with the installed Go and
// with Go 1.24, redirects the call in the runtime's poll_oneoff wrapper (the name section
// agrees with what decoding the code found), passes -check, compiles, and is what make
// ships: JWTGUARD_WASM / JWTGUARD_WASM_GO124 are exactly the rewrite of the raw builds.
func TestPollfixOnThePlugin(t *testing.T) {
	profileIndependent(t)
	for _, tc := range []struct{ name, rawEnv, shippedEnv, toolchain string }{
		{"installed Go", "JWTGUARD_WASM_RAW", "JWTGUARD_WASM", ""},
		{"Go 1.24", "JWTGUARD_WASM_GO124_RAW", "JWTGUARD_WASM_GO124", "go1.24.13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rawPath := os.Getenv(tc.rawEnv)
			if rawPath == "" {
				if tc.toolchain != "" && testing.Short() {
					t.Skip(tc.rawEnv + " not set and -short: make test-e2e builds it with " + tc.toolchain)
				}
				rawPath = buildRawPlugin(t, tc.toolchain)
			}
			raw, err := os.ReadFile(rawPath)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pollfix.Check(raw); err == nil {
				t.Fatal("Check passes the raw module")
			}
			out, res, err := pollfix.Rewrite(raw)
			if err != nil {
				t.Fatal(err)
			}
			if res.CallerName != "runtime.poll_oneoff" {
				t.Fatalf("redirected the call in %q, want the runtime's wrapper runtime.poll_oneoff", res.CallerName)
			}
			if got, err := pollfix.Check(out); err != nil || *got != *res {
				t.Fatalf("Check: %+v, %v; want %+v", got, err, res)
			}
			if len(out)-len(raw) > 256 {
				t.Fatalf("the rewrite grew the module by %d bytes", len(out)-len(raw))
			}
			ctx := context.Background()
			rt := wazero.NewRuntime(ctx)
			defer rt.Close(ctx)
			if _, err := rt.CompileModule(ctx, out); err != nil {
				t.Fatalf("wazero does not compile the rewrite: %v", err)
			}
			if p := os.Getenv(tc.shippedEnv); p != "" && os.Getenv(tc.rawEnv) != "" {
				shipped, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(shipped, out) {
					t.Fatalf("%s is not the rewrite of %s", p, rawPath)
				}
			}
			t.Logf("%s: %d → %d bytes: %s", tc.name, len(raw), len(out), res)
		})
	}
}

// TestV8CompilesTheShippedModule: V8, Envoy's default engine, validates and compiles the
// rewritten module (node's WebAssembly is V8's). Where node is missing the test skips with a
// message, except in CI (CI=true), where it fails.
func TestV8CompilesTheShippedModule(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node (V8) is not installed; CI must have it to check the shipped module")
		}
		t.Skip("node not found: V8 not checked (CI fails here)")
	}
	wasm := wasmPath(t, "JWTGUARD_WASM", ".")
	script := `const b = require("fs").readFileSync(process.argv[1]);
if (!WebAssembly.validate(b)) { console.error("WebAssembly.validate: false"); process.exit(1); }
const m = new WebAssembly.Module(b);
console.log("V8", process.versions.v8, "compiled;", WebAssembly.Module.imports(m).length, "imports");`
	out, err := exec.Command(node, "-e", script, wasm).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}
