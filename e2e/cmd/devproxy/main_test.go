package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/devproxy"
)

func pluginPath(t *testing.T) string {
	if p := os.Getenv("JWTGUARD_WASM"); p != "" {
		return p
	}
	out := filepath.Join(t.TempDir(), "jwtguard.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = filepath.Join("..", "..", "..")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return out
}

// demoBootstrap writes envoy/demo.yaml with free ports and the plugin path, edited by edit.
func demoBootstrap(t *testing.T, edit func(string) string) string {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "envoy", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("port_value: 10000", "port_value: 0", "port_value: 9901", "port_value: 0",
		"filename: build/jwtguard.wasm", "filename: "+pluginPath(t)).Replace(string(doc))
	f := filepath.Join(t.TempDir(), "bootstrap.yaml")
	if err := os.WriteFile(f, []byte(edit(s)), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		args   func() []string
		status int
		stderr string
	}{
		{"no file", func() []string { return nil }, 2, "usage: devproxy -c FILE"},
		{"unknown log level", func() []string { return []string{"-c", "x", "--log-level", "loud"} }, 2, "unknown --log-level"},
		{"field outside the subset", func() []string {
			return []string{"-c", demoBootstrap(t, func(s string) string {
				return strings.Replace(s, "static_resources:", "stats_flush_interval: 5s\nstatic_resources:", 1)
			})}
		}, 1, "stats_flush_interval: not supported by devproxy"},
		{"invalid plugin configuration", func() []string {
			return []string{"-c", demoBootstrap(t, func(s string) string {
				return strings.Replace(s, `"timeout": "2s"`, `"timeout": "forever"`, 1)
			})}
		}, 1, "providers.demo.remote_jwks.timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := run(tc.args(), io.Discard, &stderr, nil); got != tc.status {
				t.Fatalf("exit %d, want %d\n%s", got, tc.status, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("stderr lacks %q:\n%s", tc.stderr, stderr.String())
			}
		})
	}
}

func TestServesTheDemoBootstrap(t *testing.T) {
	ready := make(chan *devproxy.Proxy, 1)
	var stderr bytes.Buffer
	if got := run([]string{"-c", demoBootstrap(t, func(s string) string { return s }), "--concurrency", "3"}, io.Discard, &stderr, ready); got != 0 {
		t.Fatalf("exit %d\n%s", got, stderr.String())
	}
	p := <-ready
	defer p.Close(context.Background())
	if !strings.Contains(stderr.String(), "listener ingress on 127.0.0.1:") || !strings.Contains(stderr.String(), "jwtguard: configured") {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
}

// TestHelp: --help (and -h) exits 0 and says, on stdout, which part of Envoy's configuration
// devproxy serves and what it refuses; an unknown flag is still a usage error.
func TestHelp(t *testing.T) {
	for _, flagName := range []string{"--help", "-h"} {
		var stdout, stderr bytes.Buffer
		if got := run([]string{flagName}, &stdout, &stderr, nil); got != 0 {
			t.Fatalf("%s: exit %d\n%s", flagName, got, stderr.String())
		}
		for _, want := range []string{"usage: devproxy -c FILE", "Supported:", "envoy.filters.http.wasm", "STRICT_DNS",
			"Refused at start", "dynamic resources", "-concurrency", "-wasi-profile", "/stats[?format=json"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%s: stdout lacks %q:\n%s", flagName, want, stdout.String())
			}
		}
	}
	var stderr bytes.Buffer
	if got := run([]string{"--loud"}, io.Discard, &stderr, nil); got != 2 || !strings.Contains(stderr.String(), "usage: devproxy") {
		t.Fatalf("unknown flag: exit %d\n%s", got, stderr.String())
	}
}
