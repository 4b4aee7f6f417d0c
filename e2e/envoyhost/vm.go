package envoyhost

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// rootID is the root context of the (single) plugin in each VM: ids are per VM, starting at
// 1 (docs/host.md#context-ids).
const rootID = 1

// VM is one module instance: one Envoy thread's copy of the plugin. Every call into it runs
// on its own goroutine (its "thread"), one at a time.
type VM struct {
	p       *Plugin
	name    string
	mod     api.Module
	alloc   api.Function
	tasks   chan func()
	mu      sync.Mutex // Options.Locked: held while work runs on the VM
	closed  bool       // Options.Locked: the VM was closed; later work is dropped
	failed  bool
	failMsg string // the first line cpp-host would log for the trap that failed the VM

	// non-nil during _initialize and allocation (docs/host.md#restricted-callbacks,
	// #memory-ownership)
	restricted map[string]bool
	// allocAllowed is restrictedAllocate for this host's profile, built when the VM is: give
	// installs it around every proxy_on_memory_allocate, once or more per request.
	allocAllowed map[string]bool
	// pairsBuf is reused by every proxy_get_header_map_pairs (AppendPairs); give copies it
	// into the VM before the hostcall returns.
	pairsBuf  []byte
	pollCalls int

	nextID    uint32
	streams   map[uint32]*stream
	current   uint32 // context of the running callback
	effective uint32 // set_effective_context, reset at every call (docs/host.md#effective-context)

	configuring bool
	callResp    *callResponse // readable during on_http_call_response only
	nextToken   uint32
	status      uint32
	statusMsg   string

	tickPeriod time.Duration
	tickArmed  bool

	exports map[string]api.Function // cached: each api.Function carries its own call stack

	metricIDs  map[uint32]string
	metricNext [3]uint32
	rootDone   bool // on_done returned false; proxy_done may finish it
}

type callResponse struct {
	headers [][2]string
	body    []byte
}

type restrictedCall struct{ name string }

func (r restrictedCall) Error() string { return "restricted_callback: " + r.name }

func (p *Plugin) newVM(ctx context.Context, name string) (*VM, error) {
	h := p.h
	h.mu.Lock()
	h.vmSeq++
	modName := fmt.Sprintf("%s-%s-%d", p.cfg.Name, name, h.vmSeq)
	h.mu.Unlock()
	vm := &VM{p: p, name: name, tasks: make(chan func(), 1024), nextID: rootID + 1, streams: map[uint32]*stream{},
		nextToken: 4, metricIDs: map[uint32]string{}, metricNext: [3]uint32{1, 1, 1}}
	vm.restricted = restrictedInitialize(h.opts.Profile)
	vm.allocAllowed = restrictedAllocate(h.opts.Profile)
	cctx := WithReservedMemory(context.WithValue(ctx, vmKey{}, vm))
	mod, err := h.rt.InstantiateModule(cctx, p.compiled, wazero.NewModuleConfig().WithName(modName).WithStartFunctions())
	if err != nil {
		return nil, err
	}
	vm.mod, vm.alloc = mod, mod.ExportedFunction("proxy_on_memory_allocate")
	for _, f := range startFunctions(mod, h.opts.Profile) {
		args := []uint64{}
		if f == "main" {
			args = []uint64{0, 0}
		}
		if _, err := mod.ExportedFunction(f).Call(cctx, args...); err != nil {
			mod.Close(ctx)
			return nil, fmt.Errorf("%s failed: %v", f, trapText(err))
		}
	}
	vm.restricted = nil
	return vm, nil
}

// startFunctions are the exports cpp-host's WasmBase::startVm (src/wasm.cc) runs, in
// restricted mode, when a VM starts (docs/host.md#starting-a-vm): a WASI reactor's
// _initialize, then main(0, 0) if exported, or else __main_void (cpp-host #500, after
// beb8a4e, so never in the Pre533 profile); a WASI command's _start when there is no
// _initialize.
func startFunctions(mod api.Module, p Profile) []string {
	has := func(name string) bool { return mod.ExportedFunction(name) != nil }
	switch {
	case has("_initialize") && has("main"):
		return []string{"_initialize", "main"}
	case has("_initialize") && has("__main_void") && p == Post533:
		return []string{"_initialize", "__main_void"}
	case has("_initialize"):
		return []string{"_initialize"}
	case has("_start"):
		return []string{"_start"}
	}
	return nil
}

// start creates the root context and runs vm_start and configure; a module that exports
// neither succeeds (docs/host.md#root-context-start).
func (vm *VM) start(ctx context.Context) error {
	if _, err := vm.call(ctx, rootID, "proxy_on_context_create", rootID, 0); err != nil {
		return err
	}
	ok, err := vm.call(ctx, rootID, "proxy_on_vm_start", rootID, uint64(len(vm.p.cfg.VMConfig)))
	if err != nil {
		return err
	}
	if ok == 0 && vm.mod.ExportedFunction("proxy_on_vm_start") != nil {
		return fmt.Errorf("proxy_on_vm_start returned false")
	}
	vm.configuring = true
	ok, err = vm.call(ctx, rootID, "proxy_on_configure", rootID, uint64(len(vm.p.cfg.Configuration)))
	vm.configuring = false
	if err != nil {
		return err
	}
	if ok == 0 && vm.mod.ExportedFunction("proxy_on_configure") != nil {
		return fmt.Errorf("proxy_on_configure returned false")
	}
	return nil
}

func (vm *VM) discard(ctx context.Context) { vm.mod.Close(ctx) }

// call runs an export as the current context. A trap fails the VM (docs/host.md#failure).
func (vm *VM) call(ctx context.Context, current uint32, name string, args ...uint64) (uint64, error) {
	if vm.failed {
		return 0, errVMFailed
	}
	fn, ok := vm.exports[name]
	if !ok {
		fn = vm.mod.ExportedFunction(name)
		if vm.exports == nil {
			vm.exports = map[string]api.Function{}
		}
		vm.exports[name] = fn
	}
	if fn == nil {
		return 0, nil // absent callbacks are not called (docs/host.md#loading-and-linking)
	}
	prevCurrent, prevEffective := vm.current, vm.effective
	vm.current, vm.effective = current, current
	res, err := fn.Call(context.WithValue(ctx, vmKey{}, vm), args...)
	vm.current, vm.effective = prevCurrent, prevEffective
	if err != nil {
		vm.fail(name, err)
	}
	// The VM may also have failed inside the call without the call trapping: a trap in
	// proxy_on_memory_allocate fails the VM, and the hostcall that allocated returns (see
	// give). cpp-host checks the VM after every callback (CHECK_FAIL in src/context.cc).
	if vm.failed {
		vm.failStreams()
		return 0, fmt.Errorf("%w: %s", errVMFailed, vm.failMsg)
	}
	if len(res) == 0 {
		return 0, nil
	}
	return res[0], nil
}

var errVMFailed = errors.New("VM failed")

// fail marks the VM failed and logs what cpp-host logs when a call into the VM traps
// (getFailMessage in src/v8/v8.cc): "Function: <export> failed: <trap>".
func (vm *VM) fail(export string, err error) {
	vm.failed = true
	vm.failMsg = fmt.Sprintf("Function: %s failed: %s", export, trapText(err))
	vm.log(LevelCritical, vm.failMsg)
}

func trapText(err error) string {
	s := err.Error()
	if i := strings.Index(s, "\nwasm stack trace"); i >= 0 {
		s = s[:i]
	}
	return s
}

// allow enforces restricted mode: a hostcall outside the allow-list traps, as V8 does.
func (vm *VM) allow(name string) {
	if vm.restricted != nil && !vm.restricted[name] {
		panic(restrictedCall{name})
	}
}

func (vm *VM) log(level int, msg string) {
	vm.p.h.opts.Log(level, "wasm log "+vm.p.cfg.Name+" "+vm.p.cfg.RootID+" "+vm.name+": "+msg)
}

// run starts the VM's thread.
func (vm *VM) run() {
	go func() {
		for task := range vm.tasks {
			task()
		}
	}()
	if vm.p.h.opts.ManualTicks {
		return
	}
	vm.armTick()
}

// post queues work on the VM's thread, or runs it under the VM's lock (Options.Locked).
func (vm *VM) post(task func()) {
	if vm.p.h.opts.Locked {
		vm.mu.Lock()
		defer vm.mu.Unlock()
		if !vm.closed {
			task()
		}
		return
	}
	defer func() { _ = recover() }() // closed: the plugin is shutting down
	vm.tasks <- task
}

// armTick schedules the next tick one period after the last one returned (docs/host.md#ticks).
func (vm *VM) armTick() {
	if vm.p.h.opts.ManualTicks || vm.tickArmed || vm.tickPeriod <= 0 || vm.p.closed.Load() {
		return
	}
	vm.tickArmed = true
	time.AfterFunc(vm.tickPeriod, func() {
		vm.post(func() {
			vm.tickArmed = false
			vm.tick()
			vm.armTick()
		})
	})
}

func (vm *VM) tick() {
	if vm.failed {
		return
	}
	vm.call(context.Background(), rootID, "proxy_on_tick", rootID)
	vm.afterCall()
}

// give copies data into guest memory allocated with proxy_on_memory_allocate (in restricted
// mode) and writes the pointer and length: 4 bytes each; empty data is (0,0) and the
// allocator is not called (docs/host.md#memory-ownership). A trap in the allocator, including
// a restricted hostcall made inside it, fails the VM as "Function: proxy_on_memory_allocate
// failed", and the hostcall returns InvalidMemoryAccess to the guest, which runs on until
// its callback returns (WasmBase::allocMemory and copyToPointerSize in
// include/proxy-wasm/wasm.h: the failed call yields a null pointer).
func (vm *VM) give(ctx context.Context, m api.Module, data []byte, outPtr, outLen uint32) uint32 {
	if len(data) == 0 {
		if !m.Memory().WriteUint32Le(outPtr, 0) || !m.Memory().WriteUint32Le(outLen, 0) {
			return statusInvalidMemory
		}
		return statusOK
	}
	saved := vm.restricted
	vm.restricted = vm.allocAllowed
	res, err := vm.alloc.Call(ctx, uint64(len(data)))
	vm.restricted = saved
	if err != nil {
		vm.fail("proxy_on_memory_allocate", err)
		return statusInvalidMemory
	}
	ptr := uint32(res[0])
	if ptr == 0 || !m.Memory().Write(ptr, data) || !m.Memory().WriteUint32Le(outPtr, ptr) || !m.Memory().WriteUint32Le(outLen, uint32(len(data))) {
		return statusInvalidMemory
	}
	return statusOK
}
