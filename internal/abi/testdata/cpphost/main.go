//go:build wasip1

// Command cpphost is a small plugin for the e2e host's tests of the places where
// proxy-wasm-cpp-host's behaviour is easy to get wrong (docs/host.md#what-the-local-host-does-differently).
// It imports the WASI functions cpp-host #533 added, so it loads only on a #533+ host.
//
//   - init() makes the WASI call named by the VM environment variable CPPHOST_INIT_CALL, if
//     any: init runs inside _initialize, where cpp-host allows only some hostcalls;
//   - /buffer reads the VM configuration with proxy_get_buffer_bytes and lengths that run
//     far past its end, and answers "start=S status=N data=D" lines;
//   - /stubs calls #533 stubs with out-parameters filled with 0xaa bytes and answers
//     "name errno=N out=HEX" lines, HEX being the first 8 bytes of the out-parameter.
package main

import (
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/abi"
)

func main() {}

//go:wasmimport env proxy_get_buffer_bytes
func getBufferBytes(typ, start, max uint32, outPtr, outLen unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_close
func fdClose(fd uint32) uint32

//go:wasmimport wasi_snapshot_preview1 fd_seek
func fdSeek(fd uint32, offset int64, whence uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_read
func fdRead(fd uint32, iovs unsafe.Pointer, iovsLen uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 path_open
func pathOpen(fd, dirflags uint32, path unsafe.Pointer, pathLen, oflags uint32, base, inh uint64, fdflags uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sched_yield
func schedYield() uint32

//go:wasmimport wasi_snapshot_preview1 clock_res_get
func clockResGet(id uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_advise
func fdAdvise(fd uint32, offset, length uint64, advice uint32) uint32

//go:wasmimport wasi_snapshot_preview1 fd_filestat_get
func fdFilestatGet(fd uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_tell
func fdTell(fd uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_readdir
func fdReaddir(fd uint32, buf unsafe.Pointer, bufLen uint32, cookie uint64, used unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_renumber
func fdRenumber(fd, to uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_readlink
func pathReadlink(fd uint32, path unsafe.Pointer, pathLen uint32, buf unsafe.Pointer, bufLen uint32, used unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_accept
func sockAccept(fd, flags uint32, out unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_recv
func sockRecv(fd uint32, ri unsafe.Pointer, riLen, riFlags uint32, roLen, roFlags unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_send
func sockSend(fd uint32, si unsafe.Pointer, siLen, siFlags uint32, soLen unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_shutdown
func sockShutdown(fd, how uint32) uint32

func init() {
	var out [16]byte
	p := unsafe.Pointer(&out[0])
	calls := map[string]func() uint32{
		"fd_close":        func() uint32 { return fdClose(9) },
		"fd_seek":         func() uint32 { return fdSeek(9, 0, 0, p) },
		"fd_read":         func() uint32 { return fdRead(9, p, 0, p) },
		"path_open":       func() uint32 { return pathOpen(9, 0, p, 1, 0, 0, 0, 0, p) },
		"sched_yield":     func() uint32 { return schedYield() },
		"clock_res_get":   func() uint32 { return clockResGet(0, p) },
		"fd_advise":       func() uint32 { return fdAdvise(1, 0, 0, 0) },
		"fd_filestat_get": func() uint32 { return fdFilestatGet(9, p) },
		"fd_tell":         func() uint32 { return fdTell(1, p) },
		"sock_shutdown":   func() uint32 { return sockShutdown(9, 0) },
	}
	if name := os.Getenv("CPPHOST_INIT_CALL"); name != "" {
		errno := calls[name]()
		abi.LogInfo("cpphost: init called " + name + " errno=" + strconv.Itoa(int(errno)))
	}
	abi.SetVMContext(&vm{})
}

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &stream{} }

type stream struct{ types.DefaultHttpContext }

func (*stream) OnHttpRequestHeaders(int, bool) types.Action {
	path, _ := abi.GetHttpRequestHeader(":path")
	var body string
	switch path {
	case "/buffer":
		body = buffers()
	case "/stubs":
		body = stubs()
	default:
		return types.ActionContinue
	}
	_ = abi.SendHttpResponse(200, "cpphost", nil, []byte(body), -1)
	return types.ActionPause
}

// buffers reads the VM configuration (buffer type 6) from several starts with the largest
// length a 32-bit argument can carry.
func buffers() string {
	var b strings.Builder
	for _, start := range []uint32{0, 3, 1000} {
		var ptr, n uint32
		status := getBufferBytes(6, start, 0xFFFFFFFF, unsafe.Pointer(&ptr), unsafe.Pointer(&n))
		data := ""
		if ptr != 0 && n != 0 {
			data = string(unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), n))
		}
		b.WriteString("start=" + strconv.Itoa(int(start)) + " status=" + strconv.Itoa(int(status)) + " data=" + data + "\n")
	}
	return b.String()
}

// stubs calls #533 stubs whose out-parameters cpp-host writes, each with a fresh 0xaa-filled
// out-parameter, and reports the errno and the out-parameter's first 8 bytes.
func stubs() string {
	var b strings.Builder
	var scratch [16]byte
	s := unsafe.Pointer(&scratch[0])
	for _, c := range []struct {
		name string
		call func(out unsafe.Pointer) uint32
	}{
		{"fd_tell(1)", func(o unsafe.Pointer) uint32 { return fdTell(1, o) }},
		{"fd_tell(9)", func(o unsafe.Pointer) uint32 { return fdTell(9, o) }},
		{"fd_readdir", func(o unsafe.Pointer) uint32 { return fdReaddir(3, s, 16, 0, o) }},
		{"fd_renumber(1,2)", func(unsafe.Pointer) uint32 { return fdRenumber(1, 2) }},
		{"fd_renumber(1,9)", func(unsafe.Pointer) uint32 { return fdRenumber(1, 9) }},
		{"path_readlink", func(o unsafe.Pointer) uint32 { return pathReadlink(3, s, 1, s, 16, o) }},
		{"sock_accept", func(o unsafe.Pointer) uint32 { return sockAccept(3, 0, o) }},
		{"sock_recv", func(o unsafe.Pointer) uint32 {
			return sockRecv(3, s, 0, 0, o, unsafe.Pointer(uintptr(o)+4))
		}},
		{"sock_send", func(o unsafe.Pointer) uint32 { return sockSend(3, s, 0, 0, o) }},
	} {
		out := [8]byte{0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}
		errno := c.call(unsafe.Pointer(&out[0]))
		b.WriteString(c.name + " errno=" + strconv.Itoa(int(errno)) + " out=" + hex.EncodeToString(out[:]) + "\n")
	}
	return b.String()
}
