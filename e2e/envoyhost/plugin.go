package envoyhost

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
)

// Plugin is one wasm filter configuration loaded in every VM of the host.
type Plugin struct {
	h        *Host
	cfg      PluginConfig
	compiled wazero.CompiledModule
	base     *VM   // initialized, never started; kept until Close, as Envoy keeps its base VM
	vms      []*VM // workers, then the main thread
	rr       atomic.Uint64
	closed   atomic.Bool
}

// Request is what reaches the filter: HTTP/1 requests as Envoy's connection manager presents
// them (lower-case names, Host as :authority, docs/host.md#header-maps).
type Request struct {
	Method    string
	Path      string
	Authority string
	Scheme    string
	Headers   [][2]string
	Body      []byte
}

// Response is what the client gets.
type Response struct {
	Status  int
	Headers [][2]string
	Body    []byte
	Details string // response-code details: the plugin's, or Envoy's such as wasm_fail_stream
	// What an access log sees of the stream once it is done: the request headers as the
	// plugin left them, and the filter state it set (proxy_set_property).
	RequestHeaders [][2]string
	FilterState    map[string]string
}

// Header returns the first value of a header.
func (r *Response) Header(name string) string {
	for _, kv := range r.Headers {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

// Upstream sends a request that the filter let through to the service behind the proxy.
type Upstream func(ctx context.Context, req *Request) (*Response, error)

type stream struct {
	id          uint32
	reqHeaders  [][2]string
	reqLive     bool
	respHeaders [][2]string
	respLive    bool
	decided     bool
	decision    chan outcome
	pendingCont bool
	pendingResp *Response
	filterState map[string]string // "wasm.<path>" → value (proxy_set_property)
}

type outcome struct {
	headers [][2]string // request headers to forward, on continue
	reply   *Response   // a local reply, or nil to continue
}

// StreamIdleTimeout bounds how long a paused request may wait for the plugin, like Envoy's
// stream idle timeout.
var StreamIdleTimeout = 60 * time.Second

// Workers is how many worker VMs serve requests (the main-thread VM serves none).
func (p *Plugin) Workers() int { return len(p.vms) - 1 }

// Handle runs one request through the plugin on a worker VM, forwards it upstream if the
// plugin continues, runs the response through the plugin, and returns what the client gets.
func (p *Plugin) Handle(ctx context.Context, req *Request, upstream Upstream) *Response {
	vm := p.vms[int(p.rr.Add(1)-1)%p.Workers()]
	s := &stream{decision: make(chan outcome, 1)}
	headers := [][2]string{{":authority", req.Authority}, {":path", req.Path}, {":method", req.Method}, {":scheme", orDefault(req.Scheme, "http")}}
	for _, kv := range req.Headers {
		headers = append(headers, [2]string{strings.ToLower(kv[0]), kv[1]})
	}
	vm.post(func() { p.requestHeaders(vm, s, headers, len(req.Body) == 0) })
	o, ok := awaitDecision(ctx, vm, s)
	if !ok {
		return o.reply // nil when the client went away, 408 when the stream idled out
	}
	resp := o.reply
	if resp == nil {
		resp = forward(ctx, req.Body, o.headers, upstream)
	}
	if s.id == 0 { // the VM had failed before the stream existed
		return resp
	}
	return responseHeaders(vm, s, resp)
}

// requestHeaders runs on the VM's thread: the stream's creation and its request headers,
// and the decision when the plugin continues during the callback.
func (p *Plugin) requestHeaders(vm *VM, s *stream, headers [][2]string, endOfStream bool) {
	if vm.failed {
		if p.cfg.FailOpen {
			s.resolve(outcome{headers: headers})
		} else {
			s.resolve(outcome{reply: failStreamReply()})
		}
		return
	}
	s.id = vm.nextID
	vm.nextID++
	vm.streams[s.id] = s
	s.reqHeaders, s.reqLive = headers, true
	bg := context.Background()
	if _, err := vm.call(bg, s.id, "proxy_on_context_create", uint64(s.id), rootID); err != nil {
		return
	}
	eos := uint64(0)
	if endOfStream {
		eos = 1
	}
	action, err := vm.call(bg, s.id, "proxy_on_request_headers", uint64(s.id), uint64(len(headers)), eos)
	if err != nil {
		return
	}
	vm.afterCall()
	if !s.decided && s.pendingResp == nil && action == 0 {
		// headers are no longer the plugin's after Continue
		// (docs/host.md#pausing-continuing-and-local-replies)
		s.reqLive = false
		s.resolve(outcome{headers: s.reqHeaders})
	}
}

// awaitDecision waits for the plugin's decision on s: at once when it decided during the
// callback (always so unless it paused), else until it resumes or answers. ok is false when
// the stream ended first: the client went away (no reply) or it idled out (a 408 reply).
func awaitDecision(ctx context.Context, vm *VM, s *stream) (o outcome, ok bool) {
	select {
	case o := <-s.decision:
		return o, true
	default:
	}
	idle := time.NewTimer(StreamIdleTimeout)
	defer idle.Stop()
	select {
	case o := <-s.decision:
		return o, true
	case <-ctx.Done():
		vm.post(func() { vm.finish(s) })
		return outcome{}, false
	case <-idle.C:
		vm.post(func() { vm.finish(s) })
		return outcome{reply: &Response{Status: 408, Body: []byte("stream timeout"), Details: "stream_idle_timeout"}}, false
	}
}

// forward sends the request as the plugin left its headers to the upstream; a failure is
// Envoy's 503.
func forward(ctx context.Context, body []byte, headers [][2]string, upstream Upstream) *Response {
	fwd := &Request{Body: body}
	for _, kv := range headers {
		switch kv[0] {
		case ":method":
			fwd.Method = kv[1]
		case ":path":
			fwd.Path = kv[1]
		case ":authority":
			fwd.Authority = kv[1]
		case ":scheme":
			fwd.Scheme = kv[1]
		default:
			fwd.Headers = append(fwd.Headers, kv)
		}
	}
	r, err := upstream(ctx, fwd)
	if err != nil {
		r = &Response{Status: 503, Body: []byte("upstream connect error or disconnect/reset before headers. reset reason: connection failure"), Details: "upstream_reset_before_response_started{connection_failure}"}
	}
	return r
}

// responseHeaders passes the response (the upstream's, or the plugin's own local reply, which
// Envoy sends through the encoder filters from the start,
// docs/host.md#pausing-continuing-and-local-replies) through the plugin's response callback
// and ends the stream.
func responseHeaders(vm *VM, s *stream, resp *Response) *Response {
	done := make(chan *Response, 1)
	vm.post(func() {
		defer vm.finish(s)
		if vm.failed {
			done <- resp
			return
		}
		s.respHeaders = append([][2]string{{":status", strconv.Itoa(resp.Status)}}, resp.Headers...)
		s.respLive = true
		vm.call(context.Background(), s.id, "proxy_on_response_headers", uint64(s.id), uint64(len(s.respHeaders)), 1)
		s.respLive = false
		out := *resp
		out.RequestHeaders = s.reqHeaders
		out.FilterState = s.filterState
		out.Headers = nil
		for _, kv := range s.respHeaders {
			if kv[0] != ":status" {
				out.Headers = append(out.Headers, kv)
			}
		}
		done <- &out
	})
	return <-done
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (s *stream) resolve(o outcome) {
	if s.decided {
		return
	}
	s.decided = true
	s.decision <- o
}

// failStreamReply is Envoy's FAIL_CLOSED answer for a failed VM (docs/host.md#failure).
func failStreamReply() *Response {
	return &Response{Status: 503, Details: "wasm_fail_stream", Headers: [][2]string{{"grpc-status", "14"}}}
}

// afterCall runs the actions Envoy defers until the VM call returns
// (docs/host.md#pausing-continuing-and-local-replies).
func (vm *VM) afterCall() {
	for _, s := range vm.streams {
		if s.decided {
			continue
		}
		switch {
		case s.pendingResp != nil:
			s.reqLive = false
			s.resolve(outcome{reply: s.pendingResp})
		case s.pendingCont:
			s.resolve(outcome{headers: s.reqHeaders})
		}
	}
}

// failStreams answers every waiting stream of a failed VM (docs/host.md#failure).
func (vm *VM) failStreams() {
	for _, s := range vm.streams {
		if vm.p.cfg.FailOpen {
			s.resolve(outcome{headers: s.reqHeaders})
		} else {
			s.resolve(outcome{reply: failStreamReply()})
		}
	}
}

// finish ends a stream: on_log, on_done, on_delete (docs/host.md#a-streams-callbacks).
func (vm *VM) finish(s *stream) {
	if _, ok := vm.streams[s.id]; !ok {
		return
	}
	s.reqLive, s.respLive = false, false
	if !vm.failed {
		bg := context.Background()
		vm.call(bg, s.id, "proxy_on_log", uint64(s.id))
		vm.call(bg, s.id, "proxy_on_done", uint64(s.id))
		vm.call(bg, s.id, "proxy_on_delete", uint64(s.id))
	}
	delete(vm.streams, s.id)
	s.resolve(outcome{reply: &Response{Status: 499, Details: "downstream_remote_disconnect"}})
}

// Tick runs proxy_on_tick on every VM now (ManualTicks), and waits for them.
func (p *Plugin) Tick() {
	for _, vm := range p.vms {
		done := make(chan struct{})
		vm.post(func() { vm.tick(); close(done) })
		<-done
	}
}

// Sync waits until every VM has run the work queued before it.
func (p *Plugin) Sync() {
	for _, vm := range p.vms {
		done := make(chan struct{})
		vm.post(func() { close(done) })
		<-done
	}
}

// MemoryBytes returns the size of each VM's linear memory (workers, then the main thread):
// what the plugin costs the proxy in memory, since a wasm memory never shrinks.
func (p *Plugin) MemoryBytes() []uint64 {
	out := make([]uint64, len(p.vms))
	for i, vm := range p.vms {
		done := make(chan struct{})
		vm.post(func() {
			if m := vm.mod.Memory(); m != nil {
				out[i] = uint64(m.Size())
			}
			close(done)
		})
		<-done
	}
	return out
}

// Failed reports how many VMs have failed (trapped).
func (p *Plugin) Failed() int {
	n := 0
	p.Sync()
	for _, vm := range p.vms {
		if vm.failed {
			n++
		}
	}
	return n
}

// Close shuts the plugin down: on_done, then on_delete, per root context (docs/host.md#shutdown).
func (p *Plugin) Close(ctx context.Context) {
	if !p.closed.CompareAndSwap(false, true) {
		return
	}
	for _, vm := range p.vms {
		done := make(chan struct{})
		vm.post(func() {
			if !vm.failed {
				if ok, _ := vm.call(ctx, rootID, "proxy_on_done", rootID); ok != 0 {
					vm.call(ctx, rootID, "proxy_on_delete", rootID)
				}
			}
			vm.closed = true
			close(done)
		})
		<-done
		close(vm.tasks)
		vm.mod.Close(ctx)
	}
	p.base.discard(ctx)
}
