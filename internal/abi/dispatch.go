package abi

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// dispatcher routes the host's proxy_on_* callbacks to the filter's contexts. It holds the
// per-VM context table: Envoy allocates context ids per VM (docs/host.md#context-ids), creates a root
// context per plugin with parent 0 and a stream context per request with its root as parent
// (docs/host.md#root-context-start, #a-streams-callbacks), and delivers http-call responses
// and ticks to the root (#http-calls, #ticks).
//
// It is plain Go over the SDK's types interfaces so that its rules are unit-tested natively;
// the wasip1 exports are one-line calls into it. It never panics on ids the host sends: an
// unknown id is logged and ignored, because a panic would trap the VM and fail every stream
// on that worker (docs/host.md#failure).
type dispatcher struct {
	vm      types.VMContext
	host    dispatchHost
	roots   map[uint32]*rootContext
	streams streamTable
	// active is the context whose callback is running; a DispatchHttpCall made now is
	// answered to it (the SDKs do the same), so a stream that dispatches gets the callback.
	active uint32
	// lastRoot is the root last looked up by id, so that creating a stream, which names its
	// root, does not look it up in roots (a Go map, costly in wasm) every time; nil when
	// roots changed since.
	lastRoot   *rootContext
	lastRootID uint32
	// free holds the streamContexts of deleted streams, for the next streams: a request
	// then allocates none (issue 19: in wasm each allocation is a cost of the request).
	free []*streamContext
}

// Recycler is a PluginContext whose HttpContexts can serve another stream once the host has
// deleted theirs (proxy_on_delete, after which no callback names that id again): the
// dispatcher calls RecycleHttpContext then, and the plugin may hand the context out again
// from NewHttpContext. The root is asserted once, when it is created, rather than each
// stream when it is deleted: in wasm that interface assertion cost ~0.25 µs per stream
// (issue 19, docs/performance.md).
type Recycler interface {
	RecycleHttpContext(types.HttpContext)
}

// dispatchHost is what the dispatcher needs from the host: switching the effective context before
// running an http-call callback on behalf of a stream (docs/host.md#effective-context), and
// logging.
type dispatchHost interface {
	setEffectiveContext(id uint32) error
	log(level logLevel, msg string)
}

type rootContext struct {
	ctx      types.PluginContext
	callouts map[uint32]callout
	recycler Recycler // ctx, if it recycles its streams; else nil
}

type callout struct {
	callback func(numHeaders, bodySize, numTrailers int)
	caller   uint32
}

type streamContext struct {
	ctx      types.HttpContext
	root     uint32
	recycler Recycler // the root's
}

type logLevel uint32

// Log levels as the ABI numbers them (trace 0 … critical 5).
const (
	levelTrace logLevel = iota
	levelDebug
	levelInfo
	levelWarn
	levelError
	levelCritical
)

func newDispatcher(vm types.VMContext, host dispatchHost) *dispatcher {
	return &dispatcher{
		vm:    vm,
		host:  host,
		roots: map[uint32]*rootContext{},
	}
}

// contextCreate is proxy_on_context_create: parent 0 makes a root (plugin) context,
// otherwise a stream context of that root.
func (d *dispatcher) contextCreate(id, parent uint32) {
	if parent == 0 {
		if _, ok := d.roots[id]; ok {
			// cpp-host's onConfigure may issue context_create for a root that exists
			// (docs/host.md#root-context-start).
			return
		}
		ctx := d.vm.NewPluginContext(id)
		r, _ := ctx.(Recycler)
		d.roots[id] = &rootContext{ctx: ctx, callouts: map[uint32]callout{}, recycler: r}
		d.lastRoot = nil
		return
	}
	root, ok := d.root(parent)
	if !ok {
		d.host.log(levelError, "jwtguard: context_create for an unknown root context")
		return
	}
	if _, ok := d.streams.get(id); ok {
		d.host.log(levelError, "jwtguard: context_create for a context id in use")
		return
	}
	ctx := root.ctx.NewHttpContext(id)
	if ctx == nil {
		return
	}
	var sc *streamContext
	if n := len(d.free); n > 0 {
		sc, d.free = d.free[n-1], d.free[:n-1]
	} else {
		sc = new(streamContext)
	}
	*sc = streamContext{ctx: ctx, root: parent, recycler: root.recycler}
	d.streams.put(id, sc)
}

// root is roots[id], from lastRoot when it is the root last looked up.
func (d *dispatcher) root(id uint32) (*rootContext, bool) {
	if d.lastRoot != nil && d.lastRootID == id {
		return d.lastRoot, true
	}
	r, ok := d.roots[id]
	if ok {
		d.lastRoot, d.lastRootID = r, id
	}
	return r, ok
}

func (d *dispatcher) vmStart(rootID uint32, vmConfigSize int) bool {
	d.active = rootID
	return bool(d.vm.OnVMStart(vmConfigSize))
}

func (d *dispatcher) configure(rootID uint32, pluginConfigSize int) bool {
	root, ok := d.roots[rootID]
	if !ok {
		// cpp-host creates the root context before configuring it; accept a host that
		// does not, as the ABI allows.
		d.contextCreate(rootID, 0)
		root = d.roots[rootID]
	}
	d.active = rootID
	return bool(root.ctx.OnPluginStart(pluginConfigSize))
}

func (d *dispatcher) requestHeaders(id uint32, numHeaders int, endOfStream bool) types.Action {
	s, ok := d.streams.get(id)
	if !ok {
		return types.ActionContinue
	}
	d.active = id
	return s.ctx.OnHttpRequestHeaders(numHeaders, endOfStream)
}

// registerCallout remembers who dispatched an http call, keyed by the host's token.
func (d *dispatcher) registerCallout(token uint32, cb func(numHeaders, bodySize, numTrailers int)) {
	rootID := d.active
	if s, ok := d.streams.get(d.active); ok {
		rootID = s.root
	}
	root, ok := d.roots[rootID]
	if !ok {
		d.host.log(levelError, "jwtguard: http call dispatched outside any context")
		return
	}
	root.callouts[token] = callout{callback: cb, caller: d.active}
}

// httpCallResponse is proxy_on_http_call_response(root, token, …). The callback runs with the
// caller's context made effective, so that a stream that paused can resume or answer (a continue or
// local reply from the root context is a silent no-op in Envoy,
// docs/host.md#pausing-continuing-and-local-replies). When the calling stream has gone away (Envoy
// delivers the answer anyway, docs/host.md#http-calls) the callback still runs, in the root
// context: the call's result may matter to the plugin as a whole — a JWKS fetch started on behalf
// of one request serves every request — while anything the callback does to "its" stream is then a
// no-op. (The Go SDKs drop such callbacks instead; natively, under proxytest, that is what
// happens.)
func (d *dispatcher) httpCallResponse(rootID, token uint32, numHeaders, bodySize, numTrailers int) {
	root, ok := d.roots[rootID]
	if !ok {
		d.host.log(levelWarn, "jwtguard: http call response for an unknown root context")
		return
	}
	c, ok := root.callouts[token]
	if !ok {
		d.host.log(levelWarn, "jwtguard: http call response with an unknown token")
		return
	}
	delete(root.callouts, token)
	d.active = rootID
	if c.caller != rootID {
		if _, alive := d.streams.get(c.caller); alive {
			if err := d.host.setEffectiveContext(c.caller); err != nil {
				d.host.log(levelWarn, "jwtguard: cannot switch to the calling stream: "+err.Error())
			} else {
				d.active = c.caller
			}
		}
	}
	c.callback(numHeaders, bodySize, numTrailers)
}

func (d *dispatcher) tick(rootID uint32) {
	if root, ok := d.roots[rootID]; ok {
		d.active = rootID
		root.ctx.OnTick()
	}
}

func (d *dispatcher) queueReady(rootID, queueID uint32) {
	if root, ok := d.roots[rootID]; ok {
		d.active = rootID
		root.ctx.OnQueueReady(queueID)
	}
}

// done is proxy_on_done: a root may ask to finish later (false → it calls proxy_done).
// For streams Envoy ignores the result (docs/host.md#a-streams-callbacks).
func (d *dispatcher) done(id uint32) bool {
	if _, ok := d.streams.get(id); ok {
		return true
	}
	if root, ok := d.roots[id]; ok {
		d.active = id
		return root.ctx.OnPluginDone()
	}
	return true
}

// delete is proxy_on_delete, the end of a stream: OnHttpStreamDone releases the filter's
// per-stream bookkeeping, such as a request held for a JWKS fetch. (proxy_on_log, which Envoy
// calls before it from the access-log pass, is not exported: wasip1_exports.go.)
func (d *dispatcher) delete(id uint32) {
	if s, ok := d.streams.get(id); ok {
		d.active = id
		s.ctx.OnHttpStreamDone()
		d.streams.del(id)
		if s.recycler != nil {
			s.recycler.RecycleHttpContext(s.ctx)
		}
		*s = streamContext{}
		d.free = append(d.free, s)
		return
	}
	delete(d.roots, id)
	d.lastRoot = nil
}
