package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/devproxy"
)

// TestDemoBootstrapLoads: envoy/demo.yaml parses with Envoy's API types, passes their
// validators, and translates into the subset devproxy serves.
func TestDemoBootstrapLoads(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "envoy", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := devproxy.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Listeners) != 1 || cfg.Listeners[0].Wasm == nil || cfg.Listeners[0].Wasm.Filename != "build/jwtguard.wasm" ||
		cfg.Clusters["demo_idp"].Address != "127.0.0.1:10001" || cfg.Admin != "127.0.0.1:9901" {
		t.Fatalf("translated %+v", cfg)
	}
	if !strings.Contains(string(cfg.Listeners[0].Wasm.Configuration), `"issuer": "http://127.0.0.1:10001/"`) {
		t.Fatal("plugin configuration not unwrapped from the StringValue")
	}
}

// TestDevproxyRefusesWhatItDoesNotServe: fields outside the subset are named, not ignored.
func TestDevproxyRefusesWhatItDoesNotServe(t *testing.T) {
	doc, _ := os.ReadFile(filepath.Join("..", "envoy", "demo.yaml"))
	tests := []struct{ name, from, to, want string }{
		{"dynamic resources", "static_resources:", "dynamic_resources: {}\nstatic_resources:", "dynamic_resources: not supported by devproxy"},
		{"route with redirect", "route: { cluster: demo_upstream }", `redirect: { path_redirect: "/x" }`, ".redirect: not supported"},
		{"unknown cluster", "route: { cluster: demo_upstream }", "route: { cluster: nowhere }", `unknown cluster "nowhere"`},
		{"not YAML bootstrap", "static_resources:", "static_resourcez:", "not an Envoy bootstrap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(doc), tc.from, tc.to, 1)
			if bad == string(doc) {
				t.Fatal("the edit did not apply")
			}
			_, _, err := devproxy.Load([]byte(bad))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestDevproxyRefusesAnInvalidPluginConfiguration: the plugin's refusal stops devproxy with
// the field path, as Envoy refuses the filter.
func TestDevproxyRefusesAnInvalidPluginConfiguration(t *testing.T) {
	doc, _ := os.ReadFile(filepath.Join("..", "envoy", "demo.yaml"))
	bad := strings.Replace(string(doc), `"timeout": "2s"`, `"timeout": "0s"`, 1)
	cfg, _, err := devproxy.Load([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logSink{}
	cfg.Listeners[0].Address, cfg.Admin = "127.0.0.1:0", ""
	cfg.Listeners[0].Wasm.Filename = wasmPath(t, "JWTGUARD_WASM", ".")
	p, err := devproxy.Start(context.Background(), cfg, devproxy.Options{Concurrency: 1, Profile: suiteProfile(t), Log: logs.add})
	if err == nil {
		p.Close(context.Background())
		t.Fatal("devproxy started with an invalid plugin configuration")
	}
	if !strings.Contains(logs.text(), "providers.demo.remote_jwks.timeout") {
		t.Fatalf("the plugin's message does not name the field:\n%s", logs.text())
	}
}
