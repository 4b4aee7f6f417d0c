package envoyhost

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Profile selects which proxy-wasm-cpp-host WASI implementation to imitate
// (docs/host.md#poll_oneoff-and-the-go-runtime, #wasi-before-and-after-cpp-host-533).
type Profile int

const (
	// Post533 is cpp-host from #533 on: poll_oneoff succeeds with no events, the file and
	// socket stubs exist, and the _initialize allow-list is wider.
	Post533 Profile = iota
	// Pre533 is what Envoy shipped with cpp-host beb8a4e (Jan 2026): poll_oneoff returns
	// ENOSYS, and path_filestat_get, fd_filestat_get, clock_res_get … are missing, so a
	// module importing them fails to load.
	Pre533
)

func (p Profile) String() string {
	if p == Pre533 {
		return "pre-#533"
	}
	return "#533+"
}

// WASI errno values used by cpp-host.
const (
	errnoSuccess  = 0
	errnoBadf     = 8
	errnoFault    = 21
	errnoInval    = 28
	errnoNoent    = 44
	errnoNosys    = 52
	errnoNotsup   = 58
	errnoNotcapab = 76
)

// restrictedInitialize is the allow-list during _initialize and main / __main_void
// (docs/host.md#restricted-callbacks): cpp-host's WasmBase::startVm in src/wasm.cc, at
// beb8a4e for Pre533 and f2db56a for Post533. #533 added poll_oneoff and every stub it
// introduced, but not fd_close, fd_seek, fd_read or path_open, which stay refused.
func restrictedInitialize(p Profile) map[string]bool {
	m := map[string]bool{"env.emscripten_notify_memory_growth": true, "env.proxy_log": true,
		"fd_write": true, "args_sizes_get": true, "args_get": true, "environ_sizes_get": true,
		"environ_get": true, "fd_prestat_get": true, "fd_prestat_dir_name": true, "clock_time_get": true,
		"random_get": true, "fd_fdstat_get": true, "fd_fdstat_set_flags": true}
	if p == Post533 {
		m["poll_oneoff"] = true
		for _, n := range post533Names {
			m[n] = true
		}
	}
	return m
}

// restrictedAllocate is the allow-list inside proxy_on_memory_allocate
// (docs/host.md#restricted-callbacks): WasmBase::allocMemory in
// include/proxy-wasm/wasm.h; #533 added poll_oneoff.
func restrictedAllocate(p Profile) map[string]bool {
	m := map[string]bool{"env.proxy_log": true, "fd_write": true, "clock_time_get": true}
	if p == Post533 {
		m["poll_oneoff"] = true
	}
	return m
}

// wasiModule builds wasi_snapshot_preview1 with cpp-host's results
// (docs/host.md#wasi-before-and-after-cpp-host-533). Every function first asks the calling VM
// whether it may run (restricted mode).
func (h *Host) wasiModule(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("wasi_snapshot_preview1")
	fn := func(name string, f any) { export(b, name, f) }
	guard := func(ctx context.Context, name string) *VM {
		vm := vmFrom(ctx)
		vm.allow(name)
		return vm
	}
	fn("fd_write", func(ctx context.Context, m api.Module, fd, iovs, iovsLen, nwritten uint32) uint32 {
		return guard(ctx, "fd_write").writev(m, fd, iovs, iovsLen, nwritten)
	})
	fn("fd_read", func(ctx context.Context, fd, iovs, iovsLen, nread uint32) uint32 {
		guard(ctx, "fd_read")
		return errnoNosys
	})
	fn("fd_seek", func(ctx context.Context, fd uint32, offset int64, whence, newOffset uint32) uint32 {
		// cpp-host reports the call through Context::error, which Envoy logs at trace.
		guard(ctx, "fd_seek").log(LevelTrace, "wasi_unstable fd_seek")
		return errnoSuccess
	})
	fn("fd_close", func(ctx context.Context, fd uint32) uint32 {
		guard(ctx, "fd_close").log(LevelTrace, "wasi_unstable fd_close")
		return errnoSuccess
	})
	fn("fd_fdstat_get", func(ctx context.Context, m api.Module, fd, out uint32) uint32 {
		guard(ctx, "fd_fdstat_get")
		if fd != 1 && fd != 2 {
			return errnoBadf
		}
		stat := make([]byte, 24)
		stat[8] = 64 // rights_base = FD_WRITE
		if !m.Memory().Write(out, stat) {
			return errnoFault
		}
		return errnoSuccess
	})
	fn("fd_fdstat_set_flags", func(ctx context.Context, fd, flags uint32) uint32 {
		guard(ctx, "fd_fdstat_set_flags")
		return errnoNosys
	})
	fn("fd_prestat_get", func(ctx context.Context, fd, out uint32) uint32 {
		guard(ctx, "fd_prestat_get")
		return errnoBadf
	})
	fn("fd_prestat_dir_name", func(ctx context.Context, fd, path, pathLen uint32) uint32 {
		guard(ctx, "fd_prestat_dir_name")
		return errnoNosys
	})
	// environ: vm_config.environment_variables, packed as "KEY=VALUE\0" strings with an
	// array of pointers to them (docs/host.md#wasi-before-and-after-cpp-host-533).
	fn("environ_sizes_get", func(ctx context.Context, m api.Module, count, size uint32) uint32 {
		vm := guard(ctx, "environ_sizes_get")
		n := 0
		for _, kv := range vm.p.cfg.Env {
			n += len(kv) + 1
		}
		if !m.Memory().WriteUint32Le(count, uint32(len(vm.p.cfg.Env))) || !m.Memory().WriteUint32Le(size, uint32(n)) {
			return errnoFault
		}
		return errnoSuccess
	})
	fn("environ_get", func(ctx context.Context, m api.Module, environ, buf uint32) uint32 {
		vm := guard(ctx, "environ_get")
		for i, kv := range vm.p.cfg.Env {
			if !m.Memory().WriteUint32Le(environ+uint32(4*i), buf) || !m.Memory().Write(buf, append([]byte(kv), 0)) {
				return errnoFault
			}
			buf += uint32(len(kv) + 1)
		}
		return errnoSuccess
	})
	fn("args_sizes_get", func(ctx context.Context, m api.Module, count, size uint32) uint32 {
		guard(ctx, "args_sizes_get")
		m.Memory().WriteUint32Le(count, 0)
		m.Memory().WriteUint32Le(size, 0)
		return errnoSuccess
	})
	fn("args_get", func(ctx context.Context, argv, buf uint32) uint32 {
		guard(ctx, "args_get")
		return errnoSuccess
	})
	fn("clock_time_get", func(ctx context.Context, m api.Module, id uint32, precision uint64, out uint32) uint32 {
		guard(ctx, "clock_time_get")
		var ns int64
		switch id {
		case 0:
			ns = h.now().UnixNano()
		case 1:
			ns = int64(time.Since(h.started)) + 1
		default:
			return errnoNotsup
		}
		if !m.Memory().WriteUint64Le(out, uint64(ns)) {
			return errnoFault
		}
		return errnoSuccess
	})
	fn("random_get", func(ctx context.Context, m api.Module, buf, n uint32) uint32 {
		guard(ctx, "random_get")
		if n > 65536 {
			return errnoInval
		}
		b := make([]byte, n)
		_, _ = rand.Read(b)
		if !m.Memory().Write(buf, b) {
			return errnoFault
		}
		return errnoSuccess
	})
	fn("sched_yield", func(ctx context.Context) uint32 {
		guard(ctx, "sched_yield")
		return errnoSuccess
	})
	fn("poll_oneoff", func(ctx context.Context, m api.Module, in, out, nsubs, nevents uint32) uint32 {
		h.pollOneoffCalls.Add(1)
		vm := guard(ctx, "poll_oneoff")
		vm.pollCalls++
		if h.opts.Profile == Pre533 {
			return errnoNosys // nevents untouched (docs/host.md#poll_oneoff-and-the-go-runtime)
		}
		m.Memory().WriteUint32Le(nevents, 0)
		return errnoSuccess
	})
	fn("proc_exit", func(ctx context.Context, code uint32) {
		// cpp-host only logs and returns (docs/host.md#failure); the Go runtime then traps.
		guard(ctx, "proc_exit").log(LevelTrace, "wasi_unstable proc_exit")
	})
	fn("path_open", func(ctx context.Context, fd, dirflags, path, pathLen, oflags uint32, rightsBase, rightsInh uint64, fdflags, out uint32) uint32 {
		guard(ctx, "path_open")
		return errnoNoent
	})
	if h.opts.Profile == Post533 {
		fn("path_filestat_get", func(ctx context.Context, fd, flags, path, pathLen, out uint32) uint32 {
			guard(ctx, "path_filestat_get")
			return errnoNotsup
		})
		fn("fd_filestat_get", func(ctx context.Context, fd, out uint32) uint32 {
			guard(ctx, "fd_filestat_get")
			return errnoBadf
		})
		fn("clock_res_get", func(ctx context.Context, m api.Module, id, out uint32) uint32 {
			guard(ctx, "clock_res_get")
			if id > 1 {
				return errnoNotsup
			}
			m.Memory().WriteUint64Le(out, 1)
			return errnoSuccess
		})
	}
	if h.opts.Profile == Post533 {
		h.post533Stubs(fn, guard)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// PollOneoffCalls counts the WASI poll_oneoff calls that reached this host from any VM,
// refused ones included: the shipped module must make none (internal/pollfix).
func (h *Host) PollOneoffCalls() int64 { return h.pollOneoffCalls.Load() }
