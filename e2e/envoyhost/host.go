package envoyhost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Log levels as proxy-wasm numbers them.
const (
	LevelTrace = iota
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
	LevelCritical
)

// Cluster is an upstream the plugin may call with proxy_http_call, by name.
type Cluster struct {
	// Address is where requests go, as HTTP/1.1 (over TLS with TLS, sending SNI).
	Address string // host:port
	TLS     bool
	SNI     string
	// Client overrides the HTTP client (tests).
	Client *http.Client
}

// Options configure a Host.
type Options struct {
	Profile  Profile
	Workers  int                 // worker VMs; Envoy also runs one on the main thread
	Clusters map[string]*Cluster // by Envoy cluster name
	// Log receives every log line of every VM (plugin logs, fd_write, traps).
	Log func(level int, msg string)
	// ManualTicks: timers do not run; tests call Plugin.Tick.
	ManualTicks bool
	// Now overrides the wall clock (tests).
	Now func() time.Time
	// Locked runs each VM's work on whichever goroutine has it, one at a time under the VM's
	// lock, as an Envoy worker thread runs the callbacks of the VM it owns itself: no
	// goroutine hand-off per callback (devproxy, and the per-request benchmarks, which then
	// measure the plugin and the hostcalls rather than hand-offs). Without it every VM has a
	// goroutine that runs its work in the order it was queued (which Plugin.Sync relies on to
	// wait for queued work).
	Locked bool
}

// Host is a process with its shared data, queues and stats, like one Envoy.
type Host struct {
	opts    Options
	rt      wazero.Runtime
	started time.Time

	mu        sync.Mutex
	shared    map[string]map[string]*sharedEntry // vm_id → key → entry
	casNext   uint32
	stats     map[string]*stat
	statOrder []string
	vmSeq     int

	pollOneoffCalls atomic.Int64 // WASI poll_oneoff calls from every VM (PollOneoffCalls)
}

type sharedEntry struct {
	value []byte
	cas   uint32
}

type stat struct {
	kind  uint32 // 0 counter, 1 gauge, 2 histogram
	value int64
	count int64 // histogram observations
}

// compilationCache keeps machine code compiled from a module for every Host of this process,
// as Envoy compiles a module once and instantiates it per worker: compiling the 6 MB plugin
// takes seconds, instantiating it milliseconds.
var compilationCache = wazero.NewCompilationCache()

// NewRuntime is the wasm engine of a host: wazero's compiler (V8 compiles too), the
// compilation cache, and cpp-host's 1 GiB cap on linear memory.
func NewRuntime(ctx context.Context) wazero.Runtime {
	return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(false).
		WithCompilationCache(compilationCache).WithMemoryLimitPages(maxWasmMemoryPages))
}

// New starts a host. Close releases it.
func New(ctx context.Context, opts Options) (*Host, error) {
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.Log == nil {
		opts.Log = func(int, string) {}
	}
	h := &Host{opts: opts, started: time.Now(), shared: map[string]map[string]*sharedEntry{}, casNext: 1, stats: map[string]*stat{}}
	h.rt = NewRuntime(ctx)
	if err := h.wasiModule(ctx, h.rt); err != nil {
		return nil, err
	}
	if err := h.envModule(ctx, h.rt); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Host) now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

// Close stops the runtime.
func (h *Host) Close(ctx context.Context) error { return h.rt.Close(ctx) }

// Stat returns a plugin metric's value (counters and gauges) by name.
func (h *Host) Stat(name string) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.stats[name]
	if !ok {
		return 0, false
	}
	return s.value, true
}

// StatsText renders the metrics like Envoy's admin /stats (name: value, sorted).
func (h *Host) StatsText() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	names := append([]string(nil), h.statOrder...)
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		s := h.stats[n]
		if s.kind == 2 {
			fmt.Fprintf(&b, "%s: P0(nan,nan) count=%d sum=%d\n", n, s.count, s.value)
			continue
		}
		fmt.Fprintf(&b, "%s: %d\n", n, s.value)
	}
	return b.String()
}

// PluginConfig is Envoy's wasm PluginConfig, reduced to what matters here
// (docs/host.md#envoys-wasm-filter).
type PluginConfig struct {
	Name          string
	RootID        string
	VMID          string
	Configuration []byte
	VMConfig      []byte
	FailOpen      bool // FAIL_OPEN; default FAIL_CLOSED
	// Env is vm_config.environment_variables.key_values as "KEY=VALUE": what the VM's WASI
	// environ shows (docs/host.md#wasi-before-and-after-cpp-host-533), e.g. GOGC for the Go runtime.
	Env []string
}

// ErrPluginStart is returned (wrapped) when the canary refuses the configuration, as Envoy
// refuses to start: "Unable to create Wasm plugin".
var ErrPluginStart = errors.New("unable to create Wasm plugin")

// abiVersions are the export markers cpp-host looks for, first found wins
// (docs/host.md#loading-and-linking).
var abiVersions = []string{"proxy_abi_version_0_1_0", "proxy_abi_version_0_2_0", "proxy_abi_version_0_2_1"}

// LoadPlugin compiles code, checks it links like cpp-host would, runs the configuration
// canary, then starts one VM per worker and one for the main thread.
func (h *Host) LoadPlugin(ctx context.Context, code []byte, cfg PluginConfig) (*Plugin, error) {
	compiled, err := h.rt.CompileModule(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPluginStart, err)
	}
	abi := ""
	exports := compiled.ExportedFunctions()
	for _, v := range abiVersions {
		if _, ok := exports[v]; ok {
			abi = v
			break
		}
	}
	if abi == "" {
		return nil, fmt.Errorf("%w: Missing or unknown Proxy-Wasm ABI version", ErrPluginStart)
	}
	for _, f := range compiled.ImportedFunctions() {
		if msg := h.link(f, abi); msg != "" {
			return nil, fmt.Errorf("%w: %s", ErrPluginStart, msg)
		}
	}
	if _, ok := exports["proxy_on_memory_allocate"]; !ok {
		if _, ok := exports["malloc"]; !ok {
			return nil, fmt.Errorf("%w: Wasm module is missing malloc function", ErrPluginStart)
		}
	}
	p := &Plugin{h: h, cfg: cfg, compiled: compiled}
	// The base VM: createWasm (src/wasm.cc) loads the module once and runs only its start
	// functions; it is never given a root context, and every other VM is a clone of it that
	// starts again from _initialize (docs/host.md#base-vm-canary-and-clones).
	base, err := p.newVM(ctx, "base")
	if err != nil {
		return nil, fmt.Errorf("%w %s: Failed to initialize Wasm code: %v", ErrPluginStart, cfg.Name, err)
	}
	p.base = base
	canary, err := p.newVM(ctx, "canary")
	if err == nil {
		err = canary.start(ctx)
		canary.discard(ctx) // no on_done/on_delete for the canary (docs/host.md#base-vm-canary-and-clones)
	}
	if err != nil {
		base.discard(ctx)
		return nil, fmt.Errorf("%w %s: %v", ErrPluginStart, cfg.Name, err)
	}
	for i := 0; i <= h.opts.Workers; i++ {
		name := fmt.Sprintf("worker_%d", i)
		if i == h.opts.Workers {
			name = "main_thread"
		}
		vm, err := p.newVM(ctx, name)
		if err == nil {
			err = vm.start(ctx)
		}
		if err != nil {
			p.Close(ctx)
			return nil, fmt.Errorf("%w %s: %v", ErrPluginStart, cfg.Name, err)
		}
		p.vms = append(p.vms, vm)
		vm.run()
	}
	return p, nil
}

// StartVM instantiates one more VM of the plugin, runs _initialize, vm_start and configure
// (what Envoy does per worker when a plugin starts), and discards it. For the start-up
// benchmark: the module is compiled already, as it is for every worker after the first.
func (p *Plugin) StartVM(ctx context.Context) error {
	vm, err := p.newVM(ctx, "bench")
	if err != nil {
		return err
	}
	defer vm.discard(ctx)
	return vm.start(ctx)
}

// link checks one import as V8's link (src/v8/v8.cc) does: the host must register the name
// for the module's ABI ("missing import"), with the same parameter and result types
// ("import type mismatch"). It returns Envoy's message, or "" when the import links.
func (h *Host) link(f api.FunctionDefinition, abi string) string {
	module, name, _ := f.Import()
	if !h.provides(module, name, abi) {
		return "Failed to load Wasm module due to a missing import: " + module + "." + name
	}
	hostModule := module
	if module == "wasi_unstable" {
		hostModule = "wasi_snapshot_preview1" // cpp-host registers the same functions under both names
	}
	def, ok := h.rt.Module(hostModule).ExportedFunctionDefinitions()[name]
	if !ok {
		return "Failed to load Wasm module due to a missing import: " + module + "." + name
	}
	if !sameTypes(def.ParamTypes(), f.ParamTypes()) || !sameTypes(def.ResultTypes(), f.ResultTypes()) {
		return "Failed to load Wasm module due to an import type mismatch: " + module + "." + name
	}
	return ""
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// provides reports whether the host registers module.name for a module of that ABI.
func (h *Host) provides(module, name, abi string) bool {
	switch module {
	case "wasi_snapshot_preview1", "wasi_unstable":
		_, ok := wasiNames(h.opts.Profile)[name]
		return ok
	case "env":
		if name == "proxy_get_log_level" {
			return abi == "proxy_abi_version_0_2_1"
		}
		_, ok := envNames[name]
		return ok
	}
	return false
}

func wasiNames(p Profile) map[string]bool {
	m := map[string]bool{}
	for _, n := range []string{"fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "fd_fdstat_set_flags",
		"environ_get", "environ_sizes_get", "args_get", "args_sizes_get", "clock_time_get", "random_get",
		"sched_yield", "poll_oneoff", "proc_exit", "path_open", "fd_prestat_get", "fd_prestat_dir_name"} {
		m[n] = true
	}
	if p == Post533 {
		for _, n := range post533Names {
			m[n] = true
		}
	}
	return m
}

// vmKey is the context key under which host functions find their VM.
type vmKey struct{}

func vmFrom(ctx context.Context) *VM {
	vm, _ := ctx.Value(vmKey{}).(*VM)
	if vm == nil {
		panic("hostcall outside a VM call")
	}
	return vm
}

// memory helpers
// readString is read as a string: one copy instead of read's and a conversion's.
func readString(m api.Module, ptr, size uint32) (string, bool) {
	if size == 0 {
		return "", true
	}
	b, ok := m.Memory().Read(ptr, size)
	if !ok {
		return "", false
	}
	return string(b), true
}

func read(m api.Module, ptr, size uint32) ([]byte, bool) {
	if size == 0 {
		return nil, true
	}
	b, ok := m.Memory().Read(ptr, size)
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b...), true
}

// StatSnapshot is one plugin metric as defined by the plugin (without Envoy's "wasmcustom."
// namespace, which Envoy strips from its admin output too).
type StatSnapshot struct {
	Name  string
	Kind  uint32 // 0 counter, 1 gauge, 2 histogram
	Value int64  // a histogram's sum
	Count int64  // a histogram's observations
}

// Stats returns every plugin metric, sorted by name.
func (h *Host) Stats() []StatSnapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]StatSnapshot, 0, len(h.stats))
	for _, n := range h.statOrder {
		s := h.stats[n]
		out = append(out, StatSnapshot{Name: n, Kind: s.kind, Value: s.value, Count: s.count})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
