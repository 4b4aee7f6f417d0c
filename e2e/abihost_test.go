package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// abiHost is a deliberately small proxy-wasm host for testing our Go 1.24 binding (internal/abi) on
// its own: it implements the hostcalls with the wire conventions of the spec and Envoy
// (docs/host.md#conventions-and-status-codes: 4-byte little-endian out-parameters, (0,0) for empty
// results, the pairs format of #wire-formats, allocation through proxy_on_memory_allocate) and
// records what the module asked for, so that tests can assert it. It is not the Envoy-faithful
// host.
type abiHost struct {
	t       *testing.T
	mod     api.Module
	mem     api.Memory
	alloc   api.Function
	phase   string // "initialize" while _initialize runs
	calls   []string
	initBad []string // hostcalls other than proxy_log made during _initialize

	pluginConfig []byte // readable during proxy_on_configure only
	configuring  bool
	reqHeaders   [][2]string
	reqLive      bool
	continued    []uint32
	effective    uint32
	current      uint32
	localReply   *localReply
	httpCalls    []httpCall
	callResponse *callResponse
	nextToken    uint32
	tickPeriod   uint32
	logs         []string
	metrics      map[uint32]int64
	metricNames  map[string]uint32
	properties   map[string]string // proxy_set_property, keyed by the serialized path
	shared       map[string]sharedValue
	casCounter   uint32
	nowNanos     int64
}

type localReply struct {
	status  uint32
	details string
	body    string
	headers [][2]string
	context uint32
}

type httpCall struct {
	cluster string
	headers [][2]string
	timeout uint32
	token   uint32
}

type callResponse struct {
	headers [][2]string
	body    []byte
}

type sharedValue struct {
	value []byte
	cas   uint32
}

const (
	statusOK          = 0
	statusNotFound    = 1
	statusBadArgument = 2
	statusCasMismatch = 8
)

// wasmPath returns the module named by env, or builds pkg (relative to the repository root)
// into a temporary directory. The plugin (pkg ".") is built as make ships it: rewritten by
// internal/pollfix (see shippedModule).
func wasmPath(t testing.TB, env, pkg string) string {
	t.Helper()
	if p := os.Getenv(env); env != "" && p != "" {
		return p
	}
	out := filepath.Join(t.TempDir(), "module.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, pkg)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, b)
	}
	if pkg == "." {
		return shippedModule(t, out)
	}
	return out
}

// wasmCode is the module wasmPath names, read.
func wasmCode(t testing.TB, env, pkg string) []byte {
	t.Helper()
	code, err := os.ReadFile(wasmPath(t, env, pkg))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func newABIHost(t *testing.T, wasmFile string) *abiHost {
	t.Helper()
	ctx := context.Background()
	code, err := os.ReadFile(wasmFile)
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	h := &abiHost{t: t, metrics: map[uint32]int64{}, metricNames: map[string]uint32{}, shared: map[string]sharedValue{},
		nextToken: 4, nowNanos: time.Now().UnixNano()}
	h.buildEnv(ctx, rt)
	compiled, err := rt.CompileModule(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	h.phase = "initialize"
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions().WithStdout(os.Stderr).WithStderr(os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	h.mod, h.mem, h.alloc = mod, mod.Memory(), mod.ExportedFunction("proxy_on_memory_allocate")
	if _, err := mod.ExportedFunction("_initialize").Call(ctx); err != nil {
		t.Fatalf("_initialize: %v", err)
	}
	h.phase = ""
	return h
}

// call invokes an export; current is the context whose callback runs (the effective
// context is reset to it at every host→VM call, docs/host.md#effective-context).
func (h *abiHost) call(name string, current uint32, args ...uint64) uint64 {
	h.t.Helper()
	h.current, h.effective = current, current
	res, err := h.mod.ExportedFunction(name).Call(context.Background(), args...)
	if err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

func (h *abiHost) read(ptr, size uint32) []byte {
	if size == 0 {
		return nil
	}
	b, ok := h.mem.Read(ptr, size)
	if !ok {
		h.t.Fatalf("out-of-bounds read %d+%d", ptr, size)
	}
	return append([]byte(nil), b...)
}

// give copies data into memory the module allocates and writes (ptr, len) to the out parameters;
// empty data is (0,0) without calling the allocator (docs/host.md#conventions-and-status-codes,
// #memory-ownership).
func (h *abiHost) give(data []byte, outPtr, outLen uint32) {
	if len(data) == 0 {
		h.mem.WriteUint32Le(outPtr, 0)
		h.mem.WriteUint32Le(outLen, 0)
		return
	}
	res, err := h.alloc.Call(context.Background(), uint64(len(data)))
	if err != nil {
		h.t.Fatalf("proxy_on_memory_allocate: %v", err)
	}
	ptr := uint32(res[0])
	h.mem.Write(ptr, data)
	h.mem.WriteUint32Le(outPtr, ptr)
	h.mem.WriteUint32Le(outLen, uint32(len(data)))
}

func (h *abiHost) record(name string) {
	h.calls = append(h.calls, name)
	if h.phase == "initialize" && name != "proxy_log" {
		h.initBad = append(h.initBad, name)
	}
}

func (h *abiHost) buildEnv(ctx context.Context, rt wazero.Runtime) {
	b := rt.NewHostModuleBuilder("env")
	fn := func(name string, f any) { b.NewFunctionBuilder().WithFunc(f).Export(name) }
	fn("proxy_log", func(_ context.Context, level, ptr, size uint32) uint32 {
		h.record("proxy_log")
		h.logs = append(h.logs, string(h.read(ptr, size)))
		return statusOK
	})
	fn("proxy_set_tick_period_milliseconds", func(_ context.Context, period uint32) uint32 {
		h.record("proxy_set_tick_period_milliseconds")
		h.tickPeriod = period
		return statusOK
	})
	fn("proxy_get_current_time_nanoseconds", func(_ context.Context, out uint32) uint32 {
		h.record("proxy_get_current_time_nanoseconds")
		h.mem.WriteUint64Le(out, uint64(h.nowNanos))
		return statusOK
	})
	fn("proxy_get_buffer_bytes", func(_ context.Context, typ, start, max, outPtr, outLen uint32) uint32 {
		h.record("proxy_get_buffer_bytes")
		var buf []byte
		switch {
		case typ == 7 && h.configuring:
			buf = h.pluginConfig
		case typ == 4 && h.callResponse != nil:
			buf = h.callResponse.body
		default:
			return statusNotFound
		}
		if start > uint32(len(buf)) {
			start = uint32(len(buf))
		}
		end := uint64(start) + uint64(max)
		if end > uint64(len(buf)) {
			end = uint64(len(buf))
		}
		h.give(buf[start:end], outPtr, outLen)
		return statusOK
	})
	headerMap := func(typ uint32) ([][2]string, bool) {
		switch {
		case typ == 0 && h.reqLive:
			return h.reqHeaders, true
		case typ == 6 && h.callResponse != nil:
			return h.callResponse.headers, true
		}
		return nil, false
	}
	fn("proxy_get_header_map_value", func(_ context.Context, typ, kp, kl, outPtr, outLen uint32) uint32 {
		h.record("proxy_get_header_map_value")
		m, ok := headerMap(typ)
		if !ok {
			return statusBadArgument
		}
		key := strings.ToLower(string(h.read(kp, kl)))
		for _, kv := range m {
			if kv[0] == key {
				h.give([]byte(kv[1]), outPtr, outLen)
				return statusOK
			}
		}
		return statusNotFound
	})
	fn("proxy_get_header_map_pairs", func(_ context.Context, typ, outPtr, outLen uint32) uint32 {
		h.record("proxy_get_header_map_pairs")
		m, _ := headerMap(typ)
		var data []byte
		if len(m) > 0 {
			data = envoyhost.EncodePairs(m)
		}
		h.give(data, outPtr, outLen)
		return statusOK
	})
	setHeader := func(typ, kp, kl, vp, vl uint32, replace bool) uint32 {
		if typ != 0 || !h.reqLive {
			return statusBadArgument
		}
		key, value := strings.ToLower(string(h.read(kp, kl))), string(h.read(vp, vl))
		if replace {
			h.removeHeader(key)
		}
		h.reqHeaders = append(h.reqHeaders, [2]string{key, value})
		return statusOK
	}
	fn("proxy_replace_header_map_value", func(_ context.Context, typ, kp, kl, vp, vl uint32) uint32 {
		h.record("proxy_replace_header_map_value")
		return setHeader(typ, kp, kl, vp, vl, true)
	})
	fn("proxy_add_header_map_value", func(_ context.Context, typ, kp, kl, vp, vl uint32) uint32 {
		h.record("proxy_add_header_map_value")
		return setHeader(typ, kp, kl, vp, vl, false)
	})
	fn("proxy_remove_header_map_value", func(_ context.Context, typ, kp, kl uint32) uint32 {
		h.record("proxy_remove_header_map_value")
		if typ != 0 || !h.reqLive {
			return statusBadArgument
		}
		h.removeHeader(strings.ToLower(string(h.read(kp, kl))))
		return statusOK
	})
	fn("proxy_set_property", func(_ context.Context, pp, pl, vp, vl uint32) uint32 {
		h.record("proxy_set_property")
		if h.properties == nil {
			h.properties = map[string]string{}
		}
		h.properties[string(h.read(pp, pl))] = string(h.read(vp, vl))
		return statusOK
	})
	fn("proxy_send_local_response", func(_ context.Context, status, dp, dl, bp, bl, hp, hl uint32, grpc int32) uint32 {
		h.record("proxy_send_local_response")
		headers, err := envoyhost.DecodePairs(h.read(hp, hl))
		if err != nil {
			h.t.Errorf("local reply headers: %v", err)
		}
		h.localReply = &localReply{status: status, details: string(h.read(dp, dl)), body: string(h.read(bp, bl)), headers: headers, context: h.effective}
		return statusOK
	})
	fn("proxy_continue_stream", func(_ context.Context, typ uint32) uint32 {
		h.record("proxy_continue_stream")
		// from the root context: OK and nothing happens
		// (docs/host.md#pausing-continuing-and-local-replies)
		if h.effective != 1 {
			h.continued = append(h.continued, h.effective)
		}
		return statusOK
	})
	fn("proxy_http_call", func(_ context.Context, up, ul, hp, hl, bp, bl, tp, tl, timeout, outToken uint32) uint32 {
		h.record("proxy_http_call")
		headers, err := envoyhost.DecodePairs(h.read(hp, hl))
		if err != nil {
			return statusBadArgument
		}
		token := h.nextToken
		h.nextToken += 4 // cpp-host: HTTP call tokens are 4, 8, 12, … (docs/host.md#http-calls)
		h.httpCalls = append(h.httpCalls, httpCall{cluster: string(h.read(up, ul)), headers: headers, timeout: timeout, token: token})
		h.mem.WriteUint32Le(outToken, token)
		return statusOK
	})
	fn("proxy_set_effective_context", func(_ context.Context, id uint32) uint32 {
		h.record("proxy_set_effective_context")
		h.effective = id
		return statusOK
	})
	fn("proxy_define_metric", func(_ context.Context, typ, np, nl, outID uint32) uint32 {
		h.record("proxy_define_metric")
		name := string(h.read(np, nl))
		id, ok := h.metricNames[name]
		if !ok {
			id = uint32(len(h.metricNames)+1)<<2 | typ
			h.metricNames[name] = id
		}
		h.mem.WriteUint32Le(outID, id)
		return statusOK
	})
	fn("proxy_increment_metric", func(_ context.Context, id uint32, delta int64) uint32 {
		h.record("proxy_increment_metric")
		h.metrics[id] += delta
		return statusOK
	})
	fn("proxy_record_metric", func(_ context.Context, id uint32, value uint64) uint32 {
		h.record("proxy_record_metric")
		h.metrics[id] = int64(value)
		return statusOK
	})
	fn("proxy_get_shared_data", func(_ context.Context, kp, kl, outPtr, outLen, outCas uint32) uint32 {
		h.record("proxy_get_shared_data")
		v, ok := h.shared[string(h.read(kp, kl))]
		if !ok {
			return statusNotFound
		}
		h.give(v.value, outPtr, outLen)
		h.mem.WriteUint32Le(outCas, v.cas)
		return statusOK
	})
	fn("proxy_set_shared_data", func(_ context.Context, kp, kl, vp, vl, cas uint32) uint32 {
		h.record("proxy_set_shared_data")
		key := string(h.read(kp, kl))
		if v, ok := h.shared[key]; ok && cas != 0 && cas != v.cas {
			return statusCasMismatch
		}
		h.casCounter++
		h.shared[key] = sharedValue{value: h.read(vp, vl), cas: h.casCounter}
		return statusOK
	})
	if _, err := b.Instantiate(ctx); err != nil {
		h.t.Fatal(err)
	}
}

func (h *abiHost) removeHeader(key string) {
	kept := h.reqHeaders[:0]
	for _, kv := range h.reqHeaders {
		if kv[0] != key {
			kept = append(kept, kv)
		}
	}
	h.reqHeaders = kept
}

func (h *abiHost) metric(name string) int64 { return h.metrics[h.metricNames[name]] }

func (h *abiHost) header(name string) (string, bool) {
	for _, kv := range h.reqHeaders {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}

// startPlugin runs the root context's start as Envoy does (docs/host.md#root-context-start).
func (h *abiHost) startPlugin(config []byte) (vmStart, configure uint64) {
	h.call("proxy_on_context_create", 1, 1, 0)
	vmStart = h.call("proxy_on_vm_start", 1, 1, 0)
	h.pluginConfig, h.configuring = config, true
	configure = h.call("proxy_on_configure", 1, 1, uint64(len(config)))
	h.pluginConfig, h.configuring = nil, false
	return vmStart, configure
}

// request runs a request's headers callback on stream id and returns the action.
func (h *abiHost) request(id uint32, headers [][2]string) uint64 {
	h.localReply = nil
	h.reqHeaders, h.reqLive = headers, true
	h.call("proxy_on_context_create", id, uint64(id), 1)
	return h.call("proxy_on_request_headers", id, uint64(id), uint64(len(headers)), 1)
}

func (h *abiHost) finish(id uint32) {
	h.reqLive = false
	h.call("proxy_on_done", id, uint64(id))
	h.call("proxy_on_delete", id, uint64(id))
}

// respondToCall delivers an http call's response to the root context (docs/host.md#http-calls).
func (h *abiHost) respondToCall(token uint32, headers [][2]string, body []byte) {
	h.callResponse = &callResponse{headers: headers, body: body}
	h.call("proxy_on_http_call_response", 1, 1, uint64(token), uint64(len(headers)), uint64(len(body)), 0)
	h.callResponse = nil
}
