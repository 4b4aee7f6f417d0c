package envoyhost

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Profile selects which proxy-wasm-cpp-host WASI implementation to imitate (notes §1.11,
// §2.15).
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

// restrictedInitialize is the allow-list during _initialize/main (notes §1.2).
func restrictedInitialize(p Profile) map[string]bool {
	m := map[string]bool{"env.emscripten_notify_memory_growth": true, "env.proxy_log": true,
		"fd_write": true, "args_sizes_get": true, "args_get": true, "environ_sizes_get": true,
		"environ_get": true, "fd_prestat_get": true, "fd_prestat_dir_name": true, "clock_time_get": true,
		"random_get": true, "fd_fdstat_get": true, "fd_fdstat_set_flags": true}
	if p == Post533 {
		m["clock_res_get"] = true
		m["poll_oneoff"] = true
		m["fd_close"] = true
		m["fd_seek"] = true
		m["fd_read"] = true
		m["path_open"] = true
		m["fd_filestat_get"] = true
		m["path_filestat_get"] = true
	}
	return m
}

// restrictedAllocate is the allow-list inside proxy_on_memory_allocate (notes §4).
func restrictedAllocate(p Profile) map[string]bool {
	m := map[string]bool{"env.proxy_log": true, "fd_write": true, "clock_time_get": true}
	if p == Post533 {
		m["poll_oneoff"] = true
	}
	return m
}

// wasiModule builds wasi_snapshot_preview1 with cpp-host's results (notes §2.15). Every
// function first asks the calling VM whether it may run (restricted mode).
func (h *Host) wasiModule(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("wasi_snapshot_preview1")
	fn := func(name string, f any) { export(b, name, f) }
	guard := func(ctx context.Context, name string) *VM {
		vm := vmFrom(ctx)
		vm.allow(name)
		return vm
	}
	fn("fd_write", func(ctx context.Context, m api.Module, fd, iovs, iovsLen, nwritten uint32) uint32 {
		vm := guard(ctx, "fd_write")
		if fd != 1 && fd != 2 {
			return errnoBadf
		}
		var sb strings.Builder
		for i := uint32(0); i < iovsLen; i++ {
			ptr, ok1 := m.Memory().ReadUint32Le(iovs + 8*i)
			n, ok2 := m.Memory().ReadUint32Le(iovs + 8*i + 4)
			data, ok3 := m.Memory().Read(ptr, n)
			if !ok1 || !ok2 || !ok3 {
				return errnoFault
			}
			sb.Write(data)
		}
		if !m.Memory().WriteUint32Le(nwritten, uint32(sb.Len())) {
			return errnoFault
		}
		// fd 1 → info, fd 2 → error; one trailing newline stripped (notes §2.2).
		level := LevelInfo
		if fd == 2 {
			level = LevelError
		}
		vm.log(level, strings.TrimSuffix(sb.String(), "\n"))
		return errnoSuccess
	})
	fn("fd_read", func(ctx context.Context, fd, iovs, iovsLen, nread uint32) uint32 {
		guard(ctx, "fd_read")
		return errnoNosys
	})
	fn("fd_seek", func(ctx context.Context, fd uint32, offset int64, whence, newOffset uint32) uint32 {
		guard(ctx, "fd_seek")
		return errnoSuccess
	})
	fn("fd_close", func(ctx context.Context, fd uint32) uint32 {
		guard(ctx, "fd_close")
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
	// array of pointers to them (notes §2.15).
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
			return errnoNosys // nevents untouched (notes §1.11)
		}
		m.Memory().WriteUint32Le(nevents, 0)
		return errnoSuccess
	})
	fn("proc_exit", func(ctx context.Context, code uint32) {
		// cpp-host only logs and returns (notes §1.10); the Go runtime then traps.
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

// post533Names are the stubs cpp-host #533 added (notes §2.15), registered only in that profile.
var post533Names = []string{"path_filestat_get", "fd_filestat_get", "clock_res_get", "fd_advise", "fd_allocate",
	"fd_datasync", "fd_sync", "fd_fdstat_set_rights", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
	"fd_pwrite", "fd_readdir", "fd_renumber", "fd_tell", "path_create_directory", "path_filestat_set_times",
	"path_link", "path_readlink", "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file",
	"sock_accept", "sock_recv", "sock_send", "sock_shutdown"}

// post533Stubs: results as cpp-host HEAD gives them: most file calls succeed for fd 1 and 2
// and give BADF otherwise; fd_pread ENOSYS; path_* and sock_* NOTSUP.
func (h *Host) post533Stubs(fn func(string, any), guard func(context.Context, string) *VM) {
	stdio := func(fd uint32) uint32 {
		if fd == 1 || fd == 2 {
			return errnoSuccess
		}
		return errnoBadf
	}
	fn("fd_advise", func(ctx context.Context, fd uint32, off, n uint64, advice uint32) uint32 {
		guard(ctx, "fd_advise")
		return errnoSuccess
	})
	fn("fd_allocate", func(ctx context.Context, fd uint32, off, n uint64) uint32 {
		guard(ctx, "fd_allocate")
		return stdio(fd)
	})
	fn("fd_datasync", func(ctx context.Context, fd uint32) uint32 { guard(ctx, "fd_datasync"); return stdio(fd) })
	fn("fd_sync", func(ctx context.Context, fd uint32) uint32 { guard(ctx, "fd_sync"); return stdio(fd) })
	fn("fd_fdstat_set_rights", func(ctx context.Context, fd uint32, base, inh uint64) uint32 {
		guard(ctx, "fd_fdstat_set_rights")
		return stdio(fd)
	})
	fn("fd_filestat_set_size", func(ctx context.Context, fd uint32, size uint64) uint32 {
		guard(ctx, "fd_filestat_set_size")
		return stdio(fd)
	})
	fn("fd_filestat_set_times", func(ctx context.Context, fd uint32, atim, mtim uint64, flags uint32) uint32 {
		guard(ctx, "fd_filestat_set_times")
		return stdio(fd)
	})
	fn("fd_pread", func(ctx context.Context, fd, iovs, n uint32, off uint64, nread uint32) uint32 {
		guard(ctx, "fd_pread")
		return errnoNosys
	})
	fn("fd_pwrite", func(ctx context.Context, fd, iovs, n uint32, off uint64, nwritten uint32) uint32 {
		guard(ctx, "fd_pwrite")
		return stdio(fd)
	})
	fn("fd_readdir", func(ctx context.Context, fd, buf, n uint32, cookie uint64, used uint32) uint32 {
		guard(ctx, "fd_readdir")
		return 20
	})
	fn("fd_renumber", func(ctx context.Context, fd, to uint32) uint32 { guard(ctx, "fd_renumber"); return errnoNotsup })
	fn("fd_tell", func(ctx context.Context, fd, out uint32) uint32 { guard(ctx, "fd_tell"); return errnoSuccess })
	notsup3 := func(name string) {
		fn(name, func(ctx context.Context, fd, p, n uint32) uint32 { guard(ctx, name); return errnoNotsup })
	}
	notsup3("path_create_directory")
	notsup3("path_remove_directory")
	notsup3("path_unlink_file")
	fn("path_filestat_set_times", func(ctx context.Context, fd, flags, p, n uint32, atim, mtim uint64, fst uint32) uint32 {
		guard(ctx, "path_filestat_set_times")
		return errnoNotsup
	})
	fn("path_link", func(ctx context.Context, ofd, oflags, op, on, nfd, np, nn uint32) uint32 {
		guard(ctx, "path_link")
		return errnoNotsup
	})
	fn("path_readlink", func(ctx context.Context, fd, p, n, buf, bufLen, used uint32) uint32 {
		guard(ctx, "path_readlink")
		return errnoNotsup
	})
	fn("path_rename", func(ctx context.Context, fd, op, on, nfd, np, nn uint32) uint32 {
		guard(ctx, "path_rename")
		return errnoNotsup
	})
	fn("path_symlink", func(ctx context.Context, op, on, fd, np, nn uint32) uint32 {
		guard(ctx, "path_symlink")
		return errnoNotsup
	})
	fn("sock_accept", func(ctx context.Context, fd, flags, out uint32) uint32 { guard(ctx, "sock_accept"); return errnoNotsup })
	fn("sock_recv", func(ctx context.Context, fd, ri, riLen, riFlags, roLen, roFlags uint32) uint32 {
		guard(ctx, "sock_recv")
		return errnoNotsup
	})
	fn("sock_send", func(ctx context.Context, fd, si, siLen, siFlags, soLen uint32) uint32 {
		guard(ctx, "sock_send")
		return errnoNotsup
	})
	fn("sock_shutdown", func(ctx context.Context, fd, how uint32) uint32 { guard(ctx, "sock_shutdown"); return errnoNotsup })
}

// PollOneoffCalls counts the WASI poll_oneoff calls that reached this host from any VM,
// refused ones included: the shipped module must make none (internal/pollfix).
func (h *Host) PollOneoffCalls() int64 { return h.pollOneoffCalls.Load() }
