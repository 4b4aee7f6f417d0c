package e2e

import (
	"context"
	"os"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

func guestPlugin(t *testing.T, profile envoyhost.Profile) (*envoyhost.Plugin, *logSink) {
	t.Helper()
	code, err := os.ReadFile(wasmPath(t, "JWTGUARD_GUEST_WASM", "./internal/abi/testdata/guest"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	logs := &logSink{}
	h, err := envoyhost.New(ctx, envoyhost.Options{Profile: profile, Workers: 1, ManualTicks: true, Log: logs.add,
		Clusters: map[string]*envoyhost.Cluster{"upstream": {Address: "127.0.0.1:1"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "guest", VMID: "guest", Configuration: []byte("cfg")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	return p, logs
}

// TestHostcallStatusCodes: the host answers bad hostcalls with Envoy's status codes
// (notes §2), seen through our binding's error values.
func TestHostcallStatusCodes(t *testing.T) {
	p, _ := guestPlugin(t, envoyhost.Post533)
	r := p.Handle(context.Background(), &envoyhost.Request{Method: "GET", Path: "/status", Authority: "x"}, (&upstreamRecorder{}).serve)
	want := "http_call unknown cluster: error status returned by host: bad argument\n" +
		"http_call without :authority: error status returned by host: bad argument\n" +
		"set_effective_context unknown id: error status returned by host: bad argument\n" +
		"get_shared_data missing key: error status returned by host: not found\n" +
		"set_shared_data new key: ok\n" +
		"set_shared_data current cas: ok\n" +
		"set_shared_data stale cas: error status returned by host: cas mismatch\n" +
		"response header during request: error status returned by host: bad argument\n" +
		"http call body outside its callback: error status returned by host: not found\n" +
		"plugin configuration outside configure: error status returned by host: not found\n"
	if string(r.Body) != want {
		t.Fatalf("status report:\n%s\nwant:\n%s", r.Body, want)
	}
}

// TestPollOneoffProfiles: a sleep makes Go's runtime call poll_oneoff. Before cpp-host #533
// Envoy answers ENOSYS and the runtime dies (golang/go#78513): the VM traps. With #533 it
// works. This is why the plugin never sleeps.
func TestPollOneoffProfiles(t *testing.T) {
	for _, tc := range []struct {
		profile envoyhost.Profile
		status  int
	}{{envoyhost.Post533, 200}, {envoyhost.Pre533, 503}} {
		t.Run(tc.profile.String(), func(t *testing.T) {
			p, logs := guestPlugin(t, tc.profile)
			r := p.Handle(context.Background(), &envoyhost.Request{Method: "GET", Path: "/sleep", Authority: "x"}, (&upstreamRecorder{}).serve)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tc.status, logs.text())
			}
		})
	}
}

// TestEnvironmentVariables: vm_config.environment_variables reach the VM's WASI environ
// (notes §2.15), read by the Go runtime in _initialize — how an operator sets GOGC.
func TestEnvironmentVariables(t *testing.T) {
	code, err := os.ReadFile(wasmPath(t, "JWTGUARD_GUEST_WASM", "./internal/abi/testdata/guest"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h, err := envoyhost.New(ctx, envoyhost.Options{Workers: 1, ManualTicks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	p, err := h.LoadPlugin(ctx, code, envoyhost.PluginConfig{Name: "guest", Configuration: []byte("cfg"),
		Env: []string{"GOGC=400", "JWTGUARD_GUEST=a=b"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	r := p.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/env", Authority: "x"}, (&upstreamRecorder{}).serve)
	if want := "GOGC=400 JWTGUARD_GUEST=a=b n=2"; string(r.Body) != want {
		t.Fatalf("guest saw %q, want %q", r.Body, want)
	}
}
