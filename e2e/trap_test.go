package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// TestPanicIsRecoveredAndTrapFailsTheVM: a Go panic in a callback is recovered by our
// binding (the request gets a 500, the VM lives on); a fatal runtime error cannot be
// recovered (here the recursion overflows the wasm call stack, as it would V8's): the VM
// traps, its stream and every later stream on that worker get Envoy's
// FAIL_CLOSED 503 wasm_fail_stream (docs/host.md#failure), with the runtime's message in the log.
func TestPanicIsRecoveredAndTrapFailsTheVM(t *testing.T) {
	code := wasmCode(t, "JWTGUARD_GUEST_WASM", "./internal/abi/testdata/guest")
	ctx := context.Background()
	logs := &logSink{}
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: 1, ManualTicks: true, Log: logs.add})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "guest", Configuration: []byte("cfg")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	up := &upstreamRecorder{}
	get := func(path string) *envoyhost.Response {
		return p.Handle(ctx, &envoyhost.Request{Method: "GET", Path: path, Authority: "x"}, up.serve)
	}
	if r := get("/panic"); r.Status != 500 || r.Details != "jwtguard_panic_recovered" {
		t.Fatalf("panic: %d %q", r.Status, r.Details)
	}
	if r := get("/other"); r.Status != 200 {
		t.Fatalf("after a recovered panic: %d %q", r.Status, r.Details)
	}
	if r := get("/fatal"); r.Status != 503 || r.Details != "wasm_fail_stream" {
		t.Fatalf("fatal: %d %q", r.Status, r.Details)
	}
	if r := get("/other"); r.Status != 503 || r.Details != "wasm_fail_stream" {
		t.Fatalf("after the trap: %d %q, want every stream of the failed VM refused", r.Status, r.Details)
	}
	if p.Failed() != 1 {
		t.Fatalf("%d failed VMs, want 1", p.Failed())
	}
	if !strings.Contains(logs.text(), "Function: proxy_on_request_headers failed") {
		t.Fatalf("the trap is not in the log:\n%s", logs.text())
	}
}
