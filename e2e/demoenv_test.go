package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/demoidp"
	"github.com/jwtguard/jwtguard/e2e/devproxy"
)

// The over-HTTP tests all start from envoy/demo.yaml, what `make run` serves, so that the
// demo configuration itself is what they prove.

// localDemoIdP serves a demo IdP on a free local port until the test ends; addr is its
// host:port.
func localDemoIdP(t *testing.T) (idp *demoidp.IdP, addr string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	idp, err := demoidp.New("http://"+srv.Listener.Addr().String()+"/", "demo-api")
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)
	return idp, strings.TrimPrefix(srv.URL, "http://")
}

// demoConfig is envoy/demo.yaml with its listener and admin on free local ports (admin off
// when admin is false), the compiled plugin, and its upstream cluster at upstreamURL.
func demoConfig(t *testing.T, upstreamURL string, admin bool) *devproxy.Config {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "envoy", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := devproxy.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listeners[0].Address, cfg.Admin = "127.0.0.1:0", ""
	if admin {
		cfg.Admin = "127.0.0.1:0"
	}
	cfg.Listeners[0].Wasm.Filename = wasmPath(t, "JWTGUARD_WASM", ".")
	cfg.Clusters["demo_upstream"] = devproxy.ClusterConfig{Address: strings.TrimPrefix(upstreamURL, "http://")}
	return cfg
}

// useDemoIdP points the demo plugin configuration (issuer, JWKS and list fetches) at the IdP
// served at idpAddr; replace holds more old, new pairs for the plugin configuration.
func useDemoIdP(cfg *devproxy.Config, idp *demoidp.IdP, idpAddr string, replace ...string) {
	pairs := append([]string{"http://127.0.0.1:10001/", idp.Issuer, "127.0.0.1:10001", idpAddr}, replace...)
	cfg.Listeners[0].Wasm.Configuration = []byte(strings.NewReplacer(pairs...).Replace(string(cfg.Listeners[0].Wasm.Configuration)))
	cfg.Clusters["demo_idp"] = devproxy.ClusterConfig{Address: idpAddr}
}

// startProxy starts devproxy with cfg until the test ends; a start-up failure shows the
// plugin's log.
func startProxy(t *testing.T, cfg *devproxy.Config, opts devproxy.Options) (*devproxy.Proxy, *logSink) {
	t.Helper()
	ctx := context.Background()
	logs := &logSink{}
	if opts.Log == nil {
		opts.Log = logs.add
	}
	p, err := devproxy.Start(ctx, cfg, opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.text())
	}
	t.Cleanup(func() { p.Close(ctx) })
	return p, logs
}
