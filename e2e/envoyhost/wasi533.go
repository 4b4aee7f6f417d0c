package envoyhost

import (
	"context"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// post533Names are the WASI functions cpp-host #533 (94091cd) added, registered only in the
// Post533 profile (docs/host.md#wasi-before-and-after-cpp-host-533). All of them are also on
// the _initialize allow-list from #533 on.
var post533Names = []string{"path_filestat_get", "fd_filestat_get", "clock_res_get", "fd_advise", "fd_allocate",
	"fd_datasync", "fd_sync", "fd_fdstat_set_rights", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
	"fd_pwrite", "fd_readdir", "fd_renumber", "fd_tell", "path_create_directory", "path_filestat_set_times",
	"path_link", "path_readlink", "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file",
	"sock_accept", "sock_recv", "sock_send", "sock_shutdown"}

const errnoNotdir = 20

// writev is cpp-host's writevImpl (src/exports.cc), shared by fd_write and fd_pwrite: fd 1
// is logged at info, fd 2 at error, any other fd is BADF; the iovecs are concatenated, empty
// ones skipped, and one trailing newline is dropped (docs/host.md#logging).
func (vm *VM) writev(m api.Module, fd, iovs, iovsLen, nwritten uint32) uint32 {
	if fd != 1 && fd != 2 {
		return errnoBadf
	}
	var sb strings.Builder
	for i := uint32(0); i < iovsLen; i++ {
		ptr, ok1 := m.Memory().ReadUint32Le(iovs + 8*i)
		n, ok2 := m.Memory().ReadUint32Le(iovs + 8*i + 4)
		if !ok1 || !ok2 {
			return errnoFault
		}
		if n == 0 {
			continue
		}
		data, ok := m.Memory().Read(ptr, n)
		if !ok {
			return errnoFault
		}
		sb.Write(data)
	}
	if sb.Len() > 0 {
		level := LevelInfo
		if fd == 2 {
			level = LevelError
		}
		vm.log(level, strings.TrimSuffix(sb.String(), "\n"))
	}
	if !m.Memory().WriteUint32Le(nwritten, uint32(sb.Len())) {
		return errnoFault
	}
	return errnoSuccess
}

// post533Stubs registers the stubs with the results and out-parameters of cpp-host f2db56a
// (src/exports.cc, wasi_unstable_*): file calls succeed on fd 1 and 2 and give BADF on any
// other fd; fd_pread is ENOSYS; path_* and sock_* are NOTSUP. Where cpp-host writes an
// out-parameter before failing, so does this host, with cpp-host's widths: fd_tell and
// sock_accept write 8 zero bytes, fd_readdir, path_readlink, sock_recv and sock_send a 4-byte
// zero count, sock_recv also a 2-byte zero flags word. path_link and path_symlink take
// cpp-host's parameter lists (6 and 4 words), which are shorter than WASI preview 1's (7 and
// 5): a module importing the standard signatures fails to link in Envoy, and here.
func (h *Host) post533Stubs(fn func(string, any), guard func(context.Context, string) *VM) {
	stdio := func(fd uint32) uint32 {
		if fd == 1 || fd == 2 {
			return errnoSuccess
		}
		return errnoBadf
	}
	// zero writes n zero bytes at ptr; false when they do not fit in memory (EFAULT).
	zero := func(m api.Module, ptr uint32, n int) bool { return m.Memory().Write(ptr, make([]byte, n)) }
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
	fn("fd_pwrite", func(ctx context.Context, m api.Module, fd, iovs, n uint32, off uint64, nwritten uint32) uint32 {
		return guard(ctx, "fd_pwrite").writev(m, fd, iovs, n, nwritten) // the offset is ignored
	})
	fn("fd_readdir", func(ctx context.Context, m api.Module, fd, buf, n uint32, cookie uint64, used uint32) uint32 {
		guard(ctx, "fd_readdir")
		if !zero(m, used, 4) {
			return errnoFault
		}
		return errnoNotdir
	})
	fn("fd_renumber", func(ctx context.Context, fd, to uint32) uint32 {
		guard(ctx, "fd_renumber")
		if stdio(fd) != errnoSuccess || stdio(to) != errnoSuccess {
			return errnoBadf
		}
		return errnoNotsup
	})
	fn("fd_tell", func(ctx context.Context, m api.Module, fd, out uint32) uint32 {
		guard(ctx, "fd_tell")
		if stdio(fd) != errnoSuccess {
			return errnoBadf
		}
		if !zero(m, out, 8) {
			return errnoFault
		}
		return errnoSuccess
	})
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
	fn("path_link", func(ctx context.Context, ofd, oflags, op, on, nfd, np uint32) uint32 {
		guard(ctx, "path_link")
		return errnoNotsup
	})
	fn("path_readlink", func(ctx context.Context, m api.Module, fd, p, n, buf, bufLen, used uint32) uint32 {
		guard(ctx, "path_readlink")
		if !zero(m, used, 4) {
			return errnoFault
		}
		return errnoNotsup
	})
	fn("path_rename", func(ctx context.Context, fd, op, on, nfd, np, nn uint32) uint32 {
		guard(ctx, "path_rename")
		return errnoNotsup
	})
	fn("path_symlink", func(ctx context.Context, op, on, fd, np uint32) uint32 {
		guard(ctx, "path_symlink")
		return errnoNotsup
	})
	fn("sock_accept", func(ctx context.Context, m api.Module, fd, flags, out uint32) uint32 {
		guard(ctx, "sock_accept")
		if !zero(m, out, 8) {
			return errnoFault
		}
		return errnoNotsup
	})
	fn("sock_recv", func(ctx context.Context, m api.Module, fd, ri, riLen, riFlags, roLen, roFlags uint32) uint32 {
		guard(ctx, "sock_recv")
		if !zero(m, roLen, 4) || !zero(m, roFlags, 2) {
			return errnoFault
		}
		return errnoNotsup
	})
	fn("sock_send", func(ctx context.Context, m api.Module, fd, si, siLen, siFlags, soLen uint32) uint32 {
		guard(ctx, "sock_send")
		if !zero(m, soLen, 4) {
			return errnoFault
		}
		return errnoNotsup
	})
	fn("sock_shutdown", func(ctx context.Context, fd, how uint32) uint32 { guard(ctx, "sock_shutdown"); return errnoNotsup })
}
