package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

func loadGuest(t *testing.T, profile envoyhost.Profile, pkg string) (*envoyhost.Plugin, string, error) {
	t.Helper()
	code := wasmCode(t, "", pkg)
	ctx := context.Background()
	logs := &logSink{}
	h, err := envoyhost.New(ctx, envoyhost.Options{Profile: profile, Workers: 1, ManualTicks: true, Log: logs.add})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "guest", Configuration: []byte("{}")})
	if p != nil {
		t.Cleanup(func() { p.Close(ctx) })
	}
	return p, logs.text(), err
}

// TestHostcallInInitIsRefused: a module that calls a proxy hostcall other than proxy_log during
// _initialize is refused, as V8's restricted mode makes Envoy refuse it
// (docs/host.md#restricted-callbacks).
func TestHostcallInInitIsRefused(t *testing.T) {
	_, _, err := loadGuest(t, envoyhost.Post533, "./internal/abi/testdata/badinit")
	if err == nil || !strings.Contains(err.Error(), "restricted_callback: env.proxy_set_tick_period_milliseconds") {
		t.Fatalf("err = %v, want a restricted_callback failure of _initialize", err)
	}
}

// TestX509NeedsCppHost533: a module linking crypto/x509 imports WASI functions Envoys before
// cpp-host #533 lack: refused under Pre533 with Envoy's message, loaded under Post533.
func TestX509NeedsCppHost533(t *testing.T) {
	_, _, err := loadGuest(t, envoyhost.Pre533, "./internal/abi/testdata/x509guest")
	if err == nil || !strings.Contains(err.Error(), "Failed to load Wasm module due to a missing import: wasi_snapshot_preview1.") {
		t.Fatalf("pre-#533: err = %v, want a missing import", err)
	}
	if _, logs, err := loadGuest(t, envoyhost.Post533, "./internal/abi/testdata/x509guest"); err != nil {
		t.Fatalf("#533+: %v\n%s", err, logs)
	}
}
