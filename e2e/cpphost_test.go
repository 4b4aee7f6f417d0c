package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// Tests of the places where proxy-wasm-cpp-host (f2db56a for the Post533 profile, beb8a4e for
// Pre533) behaves in a way a host is easy to get wrong;
// docs/host.md#what-the-local-host-does-differently lists them with the upstream source each rests
// on.

// loadModule loads code in a fresh one-worker host and returns the plugin (nil on failure),
// everything the VMs logged, and LoadPlugin's error.
func loadModule(t *testing.T, profile envoyhost.Profile, code []byte, cfg envoyhost.PluginConfig) (*envoyhost.Plugin, *logSink, error) {
	t.Helper()
	ctx := context.Background()
	logs := &logSink{}
	h, err := envoyhost.New(ctx, envoyhost.Options{Profile: profile, Workers: 1, ManualTicks: true, Log: logs.add})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	if cfg.Name == "" {
		cfg.Name = "probe"
	}
	p, err := h.LoadPlugin(ctx, code, cfg)
	if p != nil {
		t.Cleanup(func() { p.Close(ctx) })
	}
	return p, logs, err
}

var cpphostGuest struct {
	sync.Mutex
	code []byte
}

// cpphostCode is internal/abi/testdata/cpphost, built once per test binary.
func cpphostCode(t *testing.T) []byte {
	cpphostGuest.Lock()
	defer cpphostGuest.Unlock()
	if cpphostGuest.code == nil {
		cpphostGuest.code = wasmCode(t, "", "./internal/abi/testdata/cpphost")
	}
	return cpphostGuest.code
}

// logMsg logs the len bytes at off at info level and drops proxy_log's status.
func logMsg(m *wasmModule, off, n int32) []byte {
	return code(i32const(2), i32const(off), i32const(n), call(m.importIndex("proxy_log")), opDrop)
}

// lifecycleModule logs the name of each start function and of proxy_on_vm_start when they
// run; main and __main_void are exported as asked.
func lifecycleModule(withMain, withMainVoid bool) []byte {
	m := &wasmModule{imports: []wasmImport{{"env", "proxy_log", []byte{i32, i32, i32}, []byte{i32}}}}
	m.data = []wasmData{{16, "_initialize"}, {32, "main"}, {48, "__main_void"}, {64, "vm_start"}}
	m.funcs = []wasmFunc{
		{export: "proxy_abi_version_0_2_0"},
		{export: "_initialize", body: logMsg(m, 16, 11)},
		{export: "proxy_on_memory_allocate", params: []byte{i32}, results: []byte{i32}, body: i32const(4096)},
		{export: "proxy_on_context_create", params: []byte{i32, i32}},
		{export: "proxy_on_vm_start", params: []byte{i32, i32}, results: []byte{i32}, body: code(logMsg(m, 64, 8), i32const(1))},
		{export: "proxy_on_configure", params: []byte{i32, i32}, results: []byte{i32}, body: i32const(1)},
	}
	if withMain {
		m.funcs = append(m.funcs, wasmFunc{export: "main", params: []byte{i32, i32}, results: []byte{i32}, body: code(logMsg(m, 32, 4), i32const(0))})
	}
	if withMainVoid {
		m.funcs = append(m.funcs, wasmFunc{export: "__main_void", results: []byte{i32}, body: code(logMsg(m, 48, 11), i32const(0))})
	}
	return m.encode()
}

// vmLogs returns "vm: message" for each line a VM logged, in order (the VM's name is the last
// word of the log prefix).
func vmLogs(l *logSink) []string {
	var out []string
	for _, line := range strings.Split(l.text(), "\n") {
		prefix, msg, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		f := strings.Fields(prefix)
		out = append(out, f[len(f)-1]+": "+msg)
	}
	return out
}

// TestBaseVMRunsInitializeAndIsNeverStarted: Envoy's createWasm loads the module into a base
// VM that runs _initialize and nothing more, then clones the configuration canary and every
// thread's VM from it, each of which starts again from _initialize (cpp-host src/wasm.cc
// createWasm, WasmHandleBase::canary, getOrCreateThreadLocalWasm).
func TestBaseVMRunsInitializeAndIsNeverStarted(t *testing.T) {
	_, logs, err := loadModule(t, envoyhost.Post533, lifecycleModule(false, false), envoyhost.PluginConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(vmLogs(logs), "\n")
	want := strings.Join([]string{
		"base: _initialize",
		"canary: _initialize", "canary: vm_start",
		"worker_0: _initialize", "worker_0: vm_start",
		"main_thread: _initialize", "main_thread: vm_start",
	}, "\n")
	if got != want {
		t.Fatalf("start-up sequence:\n%s\nwant:\n%s", got, want)
	}
}

// TestMainOrElseMainVoidAfterInitialize: after _initialize, cpp-host f2db56a calls main(0, 0)
// if the module exports it, or else __main_void, never both; beb8a4e (before cpp-host #500)
// knows only main (src/wasm.cc WasmBase::startVm).
func TestMainOrElseMainVoidAfterInitialize(t *testing.T) {
	for _, tc := range []struct {
		name               string
		profile            envoyhost.Profile
		withMain, withVoid bool
		want               string
	}{
		{"post533 both", envoyhost.Post533, true, true, "_initialize main"},
		{"post533 main_void only", envoyhost.Post533, false, true, "_initialize __main_void"},
		{"post533 neither", envoyhost.Post533, false, false, "_initialize"},
		{"pre533 both", envoyhost.Pre533, true, true, "_initialize main"},
		{"pre533 main_void only", envoyhost.Pre533, false, true, "_initialize"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, logs, err := loadModule(t, tc.profile, lifecycleModule(tc.withMain, tc.withVoid), envoyhost.PluginConfig{})
			if err != nil {
				t.Fatal(err)
			}
			var base []string
			for _, l := range vmLogs(logs) {
				if name, ok := strings.CutPrefix(l, "worker_0: "); ok && name != "vm_start" {
					base = append(base, name)
				}
			}
			if got := strings.Join(base, " "); got != tc.want {
				t.Fatalf("worker_0 ran %q, want %q", got, tc.want)
			}
		})
	}
}

// allocTrapModule: proxy_on_request_headers asks for the :path header, which makes the host
// allocate, and logs "status=N" with the status it got; the allocator traps (unreachable) or
// makes a hostcall that restricted mode refuses inside it.
func allocTrapModule(restricted bool) []byte {
	m := &wasmModule{imports: []wasmImport{
		{"env", "proxy_log", []byte{i32, i32, i32}, []byte{i32}},
		{"env", "proxy_get_header_map_value", []byte{i32, i32, i32, i32, i32}, []byte{i32}},
		{"env", "proxy_set_tick_period_milliseconds", []byte{i32}, []byte{i32}},
	}}
	m.data = []wasmData{{64, ":path"}, {128, "status=?"}}
	alloc := opUnreachable
	if restricted {
		alloc = code(i32const(1000), call(m.importIndex("proxy_set_tick_period_milliseconds")), opDrop, i32const(4096))
	}
	headers := code(
		i32const(128+7), // where the status digit goes
		i32const(0), i32const(64), i32const(5), i32const(2048), i32const(2052), call(m.importIndex("proxy_get_header_map_value")),
		i32const('0'), opI32Add, opI32Store8,
		logMsg(m, 128, 8),
		i32const(0))
	m.funcs = []wasmFunc{
		{export: "proxy_abi_version_0_2_0"},
		{export: "_initialize"},
		{export: "proxy_on_memory_allocate", params: []byte{i32}, results: []byte{i32}, body: alloc},
		{export: "proxy_on_context_create", params: []byte{i32, i32}},
		{export: "proxy_on_vm_start", params: []byte{i32, i32}, results: []byte{i32}, body: i32const(1)},
		{export: "proxy_on_configure", params: []byte{i32, i32}, results: []byte{i32}, body: i32const(1)},
		{export: "proxy_on_request_headers", params: []byte{i32, i32, i32}, results: []byte{i32}, body: headers},
	}
	return m.encode()
}

// TestAllocatorTrapFailsTheVMAndTheHostcallGetsInvalidMemoryAccess: a trap inside
// proxy_on_memory_allocate (also one raised by restricted mode) is reported as that function
// failing; the hostcall that needed the memory returns InvalidMemoryAccess (6) and the guest
// runs on; when its callback returns, the VM is failed and the stream gets FAIL_CLOSED's 503
// (cpp-host include/proxy-wasm/wasm.h allocMemory and copyToPointerSize, src/v8/v8.cc,
// src/context.cc CHECK_FAIL).
func TestAllocatorTrapFailsTheVMAndTheHostcallGetsInvalidMemoryAccess(t *testing.T) {
	for _, tc := range []struct {
		name       string
		restricted bool
		trap       string
	}{
		{"unreachable", false, "unreachable"},
		{"restricted hostcall", true, "restricted_callback: env.proxy_set_tick_period_milliseconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, logs, err := loadModule(t, envoyhost.Post533, allocTrapModule(tc.restricted), envoyhost.PluginConfig{})
			if err != nil {
				t.Fatal(err)
			}
			r := p.Handle(context.Background(), &envoyhost.Request{Method: "GET", Path: "/x", Authority: "a"}, (&upstreamRecorder{}).serve)
			if r.Status != 503 || r.Details != "wasm_fail_stream" {
				t.Fatalf("got %d %q, want 503 wasm_fail_stream", r.Status, r.Details)
			}
			text := logs.text()
			for _, want := range []string{"Function: proxy_on_memory_allocate failed: ", tc.trap, "status=6"} {
				if !strings.Contains(text, want) {
					t.Errorf("log lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "Function: proxy_on_request_headers failed") {
				t.Errorf("the trap is reported against the callback, not the allocator:\n%s", text)
			}
			if p.Failed() != 1 {
				t.Errorf("%d failed VMs, want 1", p.Failed())
			}
		})
	}
}

// TestInitializeAllowListIsCppHostF2db56a: during _initialize, cpp-host f2db56a (with #533)
// refuses fd_close, fd_seek, fd_read, path_open and sched_yield, and allows the #533 stubs,
// clock_res_get and poll_oneoff (src/wasm.cc WasmBase::startVm; enforced by V8 only).
func TestInitializeAllowListIsCppHostF2db56a(t *testing.T) {
	for _, tc := range []struct {
		call    string
		allowed bool
	}{
		{"fd_close", false}, {"fd_seek", false}, {"fd_read", false}, {"path_open", false}, {"sched_yield", false},
		{"clock_res_get", true}, {"fd_advise", true}, {"fd_filestat_get", true}, {"fd_tell", true}, {"sock_shutdown", true},
	} {
		t.Run(tc.call, func(t *testing.T) {
			_, logs, err := loadModule(t, envoyhost.Post533, cpphostCode(t), envoyhost.PluginConfig{Env: []string{"CPPHOST_INIT_CALL=" + tc.call}})
			switch {
			case tc.allowed && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.allowed && !strings.Contains(logs.text(), "cpphost: init called "+tc.call):
				t.Fatalf("loaded, but init did not make the call:\n%s", logs.text())
			case !tc.allowed && (err == nil || !strings.Contains(err.Error(), "restricted_callback: "+tc.call)):
				t.Fatalf("err = %v, want _initialize refused with restricted_callback: %s", err, tc.call)
			}
		})
	}
}

// TestGetBufferBytesClampsAHugeLength: cpp-host adds start and length as 64-bit words, so
// the overflow check never fires for 32-bit arguments; a length past the end is clamped and a
// start past the end gives nothing, both OK (src/exports.cc get_buffer_bytes).
func TestGetBufferBytesClampsAHugeLength(t *testing.T) {
	p, logs, err := loadModule(t, envoyhost.Post533, cpphostCode(t), envoyhost.PluginConfig{VMConfig: []byte("vm-config")})
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.text())
	}
	r := p.Handle(context.Background(), &envoyhost.Request{Method: "GET", Path: "/buffer", Authority: "a"}, (&upstreamRecorder{}).serve)
	want := "start=0 status=0 data=vm-config\nstart=3 status=0 data=config\nstart=1000 status=0 data=\n"
	if string(r.Body) != want {
		t.Fatalf("guest saw:\n%s\nwant:\n%s", r.Body, want)
	}
}

// TestPost533StubsWriteTheirOutParameters: cpp-host f2db56a's stubs write their
// out-parameters even when they fail, with its own widths (fd_tell and sock_accept 8 bytes,
// the counts 4, sock_recv's flags 2), and check fds as it does (src/exports.cc).
func TestPost533StubsWriteTheirOutParameters(t *testing.T) {
	p, logs, err := loadModule(t, envoyhost.Post533, cpphostCode(t), envoyhost.PluginConfig{})
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.text())
	}
	r := p.Handle(context.Background(), &envoyhost.Request{Method: "GET", Path: "/stubs", Authority: "a"}, (&upstreamRecorder{}).serve)
	want := "fd_tell(1) errno=0 out=0000000000000000\n" +
		"fd_tell(9) errno=8 out=aaaaaaaaaaaaaaaa\n" +
		"fd_readdir errno=20 out=00000000aaaaaaaa\n" +
		"fd_renumber(1,2) errno=58 out=aaaaaaaaaaaaaaaa\n" +
		"fd_renumber(1,9) errno=8 out=aaaaaaaaaaaaaaaa\n" +
		"path_readlink errno=58 out=00000000aaaaaaaa\n" +
		"sock_accept errno=58 out=0000000000000000\n" +
		"sock_recv errno=58 out=000000000000aaaa\n" +
		"sock_send errno=58 out=00000000aaaaaaaa\n"
	if string(r.Body) != want {
		t.Fatalf("guest saw:\n%s\nwant:\n%s", r.Body, want)
	}
}

// linkModule imports wasi_snapshot_preview1.path_link with n i32 parameters.
func linkModule(n int) []byte {
	params := make([]byte, n)
	for i := range params {
		params[i] = i32
	}
	m := &wasmModule{imports: []wasmImport{{"wasi_snapshot_preview1", "path_link", params, []byte{i32}}}}
	m.funcs = []wasmFunc{
		{export: "proxy_abi_version_0_2_0"},
		{export: "_initialize"},
		{export: "proxy_on_memory_allocate", params: []byte{i32}, results: []byte{i32}, body: i32const(4096)},
	}
	return m.encode()
}

// TestImportSignaturesAreCheckedLikeV8: an import must match the host function's type, not
// only its name (src/v8/v8.cc link). cpp-host declares path_link with 6 words, where WASI
// preview 1 has 7, so a module importing the standard signature does not load on Envoy. (The
// module exports no proxy_on_vm_start or proxy_on_configure: cpp-host counts absent ones as
// success, src/context.cc ContextBase::onStart and onConfigure.)
func TestImportSignaturesAreCheckedLikeV8(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile envoyhost.Profile
		params  int
		want    string // "" loads
	}{
		{"cpp-host's 6 words", envoyhost.Post533, 6, ""},
		{"WASI's 7 words", envoyhost.Post533, 7, "import type mismatch: wasi_snapshot_preview1.path_link"},
		{"pre533", envoyhost.Pre533, 6, "missing import: wasi_snapshot_preview1.path_link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := loadModule(t, tc.profile, linkModule(tc.params), envoyhost.PluginConfig{})
			if tc.want == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
