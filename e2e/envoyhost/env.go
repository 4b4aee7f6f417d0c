package envoyhost

import (
	"context"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Status codes (docs/host.md#conventions-and-status-codes).
const (
	statusOK              = 0
	statusNotFound        = 1
	statusBadArgument     = 2
	statusInvalidMemory   = 6
	statusEmpty           = 7
	statusCasMismatch     = 8
	statusInternalFailure = 10
	statusUnimplemented   = 12
)

// envNames are the env imports this host registers (the subset of cpp-host's a JWT filter
// and the SDK examples use; proxy_get_log_level only for ABI 0.2.1).
var envNames = map[string]bool{}

func (h *Host) envModule(ctx context.Context, rt wazero.Runtime) error {
	e := envExports{rt.NewHostModuleBuilder("env")}
	h.registerLoggingAndTime(e)
	h.registerBuffers(e)
	h.registerHeaderMaps(e)
	h.registerStreamControl(e)
	h.registerHTTPCalls(e)
	h.registerProperties(e)
	h.registerSharedData(e)
	h.registerMetrics(e)
	_, err := e.b.Instantiate(ctx)
	return err
}

// envExports registers host functions of the env module, recording their names in envNames.
type envExports struct{ b wazero.HostModuleBuilder }

func (e envExports) fn(name string, f any) {
	envNames[name] = true
	export(e.b, name, f)
}

// enter is how every hostcall starts: the calling VM, after checking that the callback it is
// in may make this call (docs/host.md#restricted-callbacks).
func enter(ctx context.Context, name string) *VM {
	vm := vmFrom(ctx)
	if vm.restricted != nil { // the qualified name is built only when a list applies
		vm.allow("env." + name)
	}
	return vm
}

// registerLoggingAndTime registers the hostcalls of logging, the log level, ticks and the
// clock (docs/host.md#logging, #ticks).
func (h *Host) registerLoggingAndTime(e envExports) {
	e.fn("proxy_log", func(ctx context.Context, m api.Module, level, ptr, size uint32) uint32 {
		vm := enter(ctx, "proxy_log")
		if level > 5 {
			return statusBadArgument
		}
		msg, ok := read(m, ptr, size)
		if !ok {
			return statusInvalidMemory
		}
		vm.log(int(level), string(msg))
		return statusOK
	})
	e.fn("proxy_get_log_level", func(ctx context.Context, m api.Module, out uint32) uint32 {
		enter(ctx, "proxy_get_log_level")
		m.Memory().WriteUint32Le(out, LevelInfo)
		return statusOK
	})
	e.fn("proxy_set_tick_period_milliseconds", func(ctx context.Context, period uint32) uint32 {
		vm := enter(ctx, "proxy_set_tick_period_milliseconds")
		vm.tickPeriod = time.Duration(period) * time.Millisecond
		if vm.tasks != nil && !vm.configuring {
			vm.armTick()
		}
		return statusOK
	})
	e.fn("proxy_get_current_time_nanoseconds", func(ctx context.Context, m api.Module, out uint32) uint32 {
		enter(ctx, "proxy_get_current_time_nanoseconds")
		if !m.Memory().WriteUint64Le(out, uint64(h.now().UnixNano())) {
			return statusInvalidMemory
		}
		return statusOK
	})
}

// registerBuffers registers the hostcalls of buffers (docs/host.md#buffers).
func (h *Host) registerBuffers(e envExports) {
	e.fn("proxy_get_buffer_bytes", func(ctx context.Context, m api.Module, typ, start, max, outPtr, outLen uint32) uint32 {
		vm := enter(ctx, "proxy_get_buffer_bytes")
		if typ > 8 {
			return statusBadArgument
		}
		var buf []byte
		switch {
		case typ == 4 && vm.callResp != nil:
			buf = vm.callResp.body
		case typ == 6:
			buf = vm.p.cfg.VMConfig
		case typ == 7 && vm.configuring:
			buf = vm.p.cfg.Configuration
		default:
			return statusNotFound
		}
		// cpp-host's overflow check (start > start + length, src/exports.cc) is done on 64-bit
		// words holding the two 32-bit arguments, so it never fires: a length past the end,
		// even 0xFFFFFFFF, is clamped to the end (docs/host.md#buffers).
		if start >= uint32(len(buf)) {
			return vm.give(ctx, m, nil, outPtr, outLen)
		}
		end := uint64(start) + uint64(max)
		if end > uint64(len(buf)) {
			end = uint64(len(buf))
		}
		return vm.give(ctx, m, buf[start:end], outPtr, outLen)
	})
}
