//go:build wasip1

package abi

import (
	"runtime"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// vmDispatcher is set by SetVMContext from the plugin's init(), which Go's c-shared runtime runs
// inside _initialize, where Envoy allows only logging (docs/host.md#restricted-callbacks):
// SetVMContext therefore makes no hostcall.
var vmDispatcher *dispatcher

// SetVMContext registers the plugin's VM context; call it from init().
func SetVMContext(vm types.VMContext) { vmDispatcher = newDispatcher(vm, wasmDispatchHost{}) }

type wasmDispatchHost struct{}

func (wasmDispatchHost) setEffectiveContext(id uint32) error { return SetEffectiveContext(id) }
func (wasmDispatchHost) log(level logLevel, msg string)      { logAt(level, msg) }

// The ABI version marker: the host reads it from the export section and never calls it.
//
//go:wasmexport proxy_abi_version_0_2_0
func proxyABIVersion020() {}

// Not exported: proxy_on_request_body and _trailers, proxy_on_response_headers, _body and
// _trailers, and proxy_on_log. cpp-host looks every callback up once and skips an absent one
// (src/wasm.cc WasmBase::getFunctions; src/context.cc ContextBase::onResponseHeaders returns
// Continue when it is missing), and jwtguard's stream does nothing there: each exported
// callback is a call into the Go reactor on every request (issue 19). The end of a stream
// (OnHttpStreamDone) comes from proxy_on_delete. TestStreamImplementsOnlyBoundCallbacks
// (filter) fails if the stream starts implementing a callback that is not exported.

//go:wasmexport proxy_on_memory_allocate
func proxyOnMemoryAllocate(size uint32) uint32 { return allocateForHost(size) }

// A panic would trap the VM and fail every stream on this worker (docs/host.md#failure). The
// callbacks below recover it instead: a stream callback answers its own request with a 500
// (fail closed for that request only), a root callback logs and reports failure.

func panicMessage(where string, r any) string {
	switch v := r.(type) {
	case error:
		return "jwtguard: recovered panic in " + where + ": " + v.Error()
	case string:
		return "jwtguard: recovered panic in " + where + ": " + v
	}
	return "jwtguard: recovered panic in " + where
}

func failStream(where string, r any) uint32 {
	LogCritical(panicMessage(where, r))
	_ = SendHttpResponse(localReplyPanicStatus, localReplyPanicDetails, nil, nil, grpcStatusNone)
	return uint32(types.ActionPause)
}

func boolResult(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

//go:wasmexport proxy_on_context_create
func proxyOnContextCreate(id, parent uint32) {
	defer func() {
		if r := recover(); r != nil {
			LogCritical(panicMessage("proxy_on_context_create", r))
		}
	}()
	if vmDispatcher != nil {
		vmDispatcher.contextCreate(id, parent)
	}
}

//go:wasmexport proxy_on_vm_start
func proxyOnVMStart(rootID, vmConfigSize uint32) (ok uint32) {
	defer func() {
		if r := recover(); r != nil {
			LogCritical(panicMessage("proxy_on_vm_start", r))
			ok = 0
		}
	}()
	if vmDispatcher == nil {
		LogCritical("jwtguard: no VM context registered (SetVMContext was not called in init)")
		return 0
	}
	return boolResult(vmDispatcher.vmStart(rootID, int(vmConfigSize)))
}

//go:wasmexport proxy_on_configure
func proxyOnConfigure(rootID, pluginConfigSize uint32) (ok uint32) {
	defer func() {
		if r := recover(); r != nil {
			LogCritical(panicMessage("proxy_on_configure", r))
			ok = 0
		}
	}()
	if vmDispatcher == nil {
		return 0
	}
	return boolResult(vmDispatcher.configure(rootID, int(pluginConfigSize)))
}

//go:wasmexport proxy_on_request_headers
func proxyOnRequestHeaders(id, numHeaders, endOfStream uint32) (action uint32) {
	defer func() {
		if r := recover(); r != nil {
			action = failStream("proxy_on_request_headers", r)
		}
	}()
	if vmDispatcher == nil {
		return uint32(types.ActionContinue)
	}
	return uint32(vmDispatcher.requestHeaders(id, int(numHeaders), endOfStream != 0))
}

//go:wasmexport proxy_on_http_call_response
func proxyOnHttpCallResponse(rootID, token, numHeaders, bodySize, numTrailers uint32) {
	defer func() {
		if r := recover(); r != nil {
			// The effective context is the calling stream, if any: answer it; from the root
			// context a local reply is a no-op (docs/host.md#pausing-continuing-and-local-replies).
			failStream("proxy_on_http_call_response", r)
		}
	}()
	if vmDispatcher != nil {
		vmDispatcher.httpCallResponse(rootID, token, int(numHeaders), int(bodySize), int(numTrailers))
	}
}

//go:wasmexport proxy_on_tick
func proxyOnTick(rootID uint32) {
	defer func() {
		if r := recover(); r != nil {
			LogCritical(panicMessage("proxy_on_tick", r))
		}
	}()
	if vmDispatcher != nil {
		vmDispatcher.tick(rootID)
	}
	yieldToRuntime()
}

// yieldToRuntime lets the Go scheduler run its other goroutines before control returns to
// the host. The plugin starts none, but the runtime does: the garbage collector's
// background mark workers. In a reactor, Go code runs only inside exported calls, and a call
// that never yields never lets them run, so a collection that starts can stay in its mark
// phase indefinitely while every allocation grows the heap (found by the soak: a worker's
// linear memory grew to 228 MiB with its GC count frozen; the regression test is
// TestRegressionGCStallsInReactor in e2e). Yielding on every tick and once per
// deletesPerYield finished streams lets each cycle complete. Gosched puts the calling goroutine back on the run queue, so
// the scheduler always has it to return to and the yield itself never blocks. The
// collector it lets run may still reach WASI poll_oneoff (restarting the world polls for
// I/O), which Envoys before cpp-host #533 do not implement: on those hosts a busy VM traps
// with or without this yield (TestPre533TrapsOnceTheCollectorHasRun in e2e).
func yieldToRuntime() { runtime.Gosched() }

//go:wasmexport proxy_on_queue_ready
func proxyOnQueueReady(rootID, queueID uint32) {
	defer func() {
		if r := recover(); r != nil {
			LogCritical(panicMessage("proxy_on_queue_ready", r))
		}
	}()
	if vmDispatcher != nil {
		vmDispatcher.queueReady(rootID, queueID)
	}
}

//go:wasmexport proxy_on_done
func proxyOnDone(id uint32) (done uint32) {
	defer func() {
		if r := recover(); r != nil {
			LogCritical(panicMessage("proxy_on_done", r))
			done = 1
		}
	}()
	if vmDispatcher == nil {
		return 1
	}
	return boolResult(vmDispatcher.done(id))
}

//go:wasmexport proxy_on_delete
func proxyOnDelete(id uint32) {
	defer func() {
		if r := recover(); r != nil {
			LogCritical(panicMessage("proxy_on_delete", r))
		}
	}()
	if vmDispatcher != nil {
		vmDispatcher.delete(id)
	}
	if deletesSinceYield++; deletesSinceYield >= deletesPerYield {
		deletesSinceYield = 0
		yieldToRuntime()
	}
}

// deletesPerYield: proxy_on_delete yields to the runtime (yieldToRuntime) once per this many
// deleted contexts rather than once per stream. A yield costs a trip through the scheduler
// (a sizeable part of a cached request in wasm: issue 19, docs/performance.md),
// and one in eight is enough for the collector's mark phase to progress: a mark worker that
// gets the processor runs until it has caught up with its share of the elapsed time, so
// fewer, longer turns do the same work (TestRegressionGCStallsInReactor holds the memory
// bound with this setting). proxy_on_tick still yields every time.
const deletesPerYield = 8

var deletesSinceYield int
