package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
)

// TestBindingDrivesARealRequest loads the guest built from internal/abi/testdata/guest and
// drives it through the binding: _initialize, context creation, vm start, configure with a
// configuration buffer, request headers read through get_header_map_value and _pairs, a
// local reply, an http call answered into the calling stream, a tick, and stream teardown.
func TestBindingDrivesARealRequest(t *testing.T) {
	h := newABIHost(t, wasmPath(t, "JWTGUARD_GUEST_WASM", "./internal/abi/testdata/guest"))
	if len(h.initBad) > 0 {
		t.Fatalf("hostcalls during _initialize, where Envoy allows only proxy_log: %v", h.initBad)
	}
	vmStart, configure := h.startPlugin([]byte(`config with "quotes" and ✓`))
	if vmStart != 1 || configure != 1 {
		t.Fatalf("vm_start = %d, configure = %d; logs %q", vmStart, configure, h.logs)
	}
	if h.tickPeriod != 1000 || !contains(h.logs, "guest: configured") {
		t.Fatalf("tick period %d, logs %q", h.tickPeriod, h.logs)
	}

	t.Run("echo: headers read and a local reply", func(t *testing.T) {
		headers := [][2]string{{":method", "GET"}, {":path", "/echo"}, {":authority", "example.com"},
			{"x-utf8", "żółć ✓"}, {"x-empty", ""}, {"x-bin", "a\x00b"}}
		if action := h.request(2, headers); action != 1 {
			t.Fatalf("action = %d, want 1 (pause) after a local reply", action)
		}
		r := h.localReply
		if r == nil || r.status != 200 || r.details != "guest echo" || r.context != 2 {
			t.Fatalf("local reply %+v", r)
		}
		want := "headers=6 pairs=6\n:method: GET\n:path: /echo\n:authority: example.com\nx-utf8: żółć ✓\nx-empty: \nx-bin: a\x00b\n"
		if r.body != want {
			t.Fatalf("body %q, want %q", r.body, want)
		}
		if len(r.headers) != 1 || r.headers[0] != [2]string{"x-guest", "echo"} {
			t.Fatalf("reply headers %q", r.headers)
		}
		h.finish(2)
	})

	t.Run("call: http call answered into the calling stream", func(t *testing.T) {
		if action := h.request(3, [][2]string{{":method", "GET"}, {":path", "/call"}, {":authority", "x"}}); action != 1 {
			t.Fatalf("action = %d, want pause while the call is out", action)
		}
		if len(h.httpCalls) != 1 {
			t.Fatalf("%d http calls", len(h.httpCalls))
		}
		c := h.httpCalls[0]
		if c.cluster != "upstream" || c.timeout != 5000 || c.token != 4 {
			t.Fatalf("call %+v", c)
		}
		h.respondToCall(c.token, [][2]string{{":status", "200"}, {"content-type", "text/plain"}}, []byte("hello"))
		if len(h.continued) != 1 || h.continued[0] != 3 {
			t.Fatalf("continue_stream from contexts %v, want [3] (the calling stream made effective)", h.continued)
		}
		if v, _ := h.header("x-call-status"); v != "200" {
			t.Fatalf("x-call-status = %q", v)
		}
		if v, _ := h.header("x-call-body-bytes"); v != "5" {
			t.Fatalf("x-call-body-bytes = %q", v)
		}
		h.finish(3)
	})

	t.Run("other paths continue with the configuration as a header", func(t *testing.T) {
		if action := h.request(4, [][2]string{{":method", "GET"}, {":path", "/x"}}); action != 0 {
			t.Fatalf("action = %d, want continue", action)
		}
		if v, _ := h.header("x-guest-config"); v != `config with "quotes" and ✓` {
			t.Fatalf("x-guest-config = %q", v)
		}
		h.finish(4)
	})

	t.Run("tick increments a counter", func(t *testing.T) {
		h.call("proxy_on_tick", 1, 1)
		h.call("proxy_on_tick", 1, 1)
		if got := h.metric("guest_ticks"); got != 2 {
			t.Fatalf("guest_ticks = %d, want 2", got)
		}
	})

	t.Run("a response for a stream that is gone runs in the root context, where continue is a no-op", func(t *testing.T) {
		h.request(5, [][2]string{{":method", "GET"}, {":path", "/call"}, {":authority", "x"}})
		c := h.httpCalls[len(h.httpCalls)-1]
		h.finish(5)
		before := len(h.continued)
		h.respondToCall(c.token, [][2]string{{":status", "200"}}, nil)
		if len(h.continued) != before {
			t.Fatal("the callback for a deleted stream continued a stream")
		}
	})

	t.Run("unknown ids do not trap", func(t *testing.T) {
		h.call("proxy_on_request_headers", 99, 99, 0, 0)
		h.call("proxy_on_http_call_response", 7, 7, 1234, 0, 0, 0)
		h.call("proxy_on_delete", 42, 42)
	})
}

// TestModuleShape checks the built plugin against what Envoy requires
// (docs/host.md#loading-and-linking, #poll_oneoff-and-the-go-runtime): the exports it calls, the
// 0.2.0 ABI marker matching our imports, and imports only from env and wasi_snapshot_preview1, none
// of which an Envoy before cpp-host #533 lacks.
func TestModuleShape(t *testing.T) {
	for _, tc := range []struct{ name, env string }{
		{"installed Go", "JWTGUARD_WASM"},
		{"Go 1.24", "JWTGUARD_WASM_GO124"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := os.Getenv(tc.env)
			if path == "" {
				if tc.env == "JWTGUARD_WASM_GO124" {
					t.Skip("JWTGUARD_WASM_GO124 not set: make test builds the plugin with Go 1.24 and sets it")
				}
				path = wasmPath(t, tc.env, ".")
			}
			code, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			rt := wazero.NewRuntime(ctx)
			defer rt.Close(ctx)
			m, err := rt.CompileModule(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			exports := m.ExportedFunctions()
			for _, name := range []string{"_initialize", "proxy_abi_version_0_2_0", "proxy_on_memory_allocate",
				"proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure", "proxy_on_request_headers",
				"proxy_on_http_call_response", "proxy_on_tick", "proxy_on_queue_ready",
				"proxy_on_done", "proxy_on_delete"} {
				if _, ok := exports[name]; !ok {
					t.Errorf("missing export %s", name)
				}
			}
			// Callbacks the stream does not implement are not exported, so that the host does
			// not call into the reactor for nothing on every request (internal/abi/wasip1_exports.go).
			for _, name := range []string{"proxy_on_response_headers", "proxy_on_log", "proxy_on_request_body",
				"proxy_on_response_body"} {
				if _, ok := exports[name]; ok {
					t.Errorf("%s is exported, but the stream does nothing there", name)
				}
			}
			if _, ok := m.ExportedMemories()["memory"]; !ok {
				t.Error("memory is not exported")
			}
			// What Envoy before cpp-host #533 provides (docs/host.md#poll_oneoff-and-the-go-runtime).
			pre533 := map[string]bool{"fd_write": true, "fd_read": true, "fd_seek": true, "fd_close": true,
				"fd_fdstat_get": true, "fd_fdstat_set_flags": true, "environ_get": true, "environ_sizes_get": true,
				"args_get": true, "args_sizes_get": true, "clock_time_get": true, "random_get": true, "sched_yield": true,
				"poll_oneoff": true, "proc_exit": true, "path_open": true, "fd_prestat_get": true, "fd_prestat_dir_name": true}
			for _, f := range m.ImportedFunctions() {
				module, name, _ := f.Import()
				switch module {
				case "env":
					if !strings.HasPrefix(name, "proxy_") || name == "proxy_get_log_level" {
						t.Errorf("import env.%s: not a proxy-wasm 0.2.0 hostcall", name)
					}
				case "wasi_snapshot_preview1":
					if !pre533[name] {
						t.Errorf("import wasi_snapshot_preview1.%s is missing from Envoys before cpp-host #533", name)
					}
				default:
					t.Errorf("import from module %q", module)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
