package abi

import (
	"reflect"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// recorder collects what the dispatcher did, in order.
type recorder struct{ events []string }

func (r *recorder) add(e string) { r.events = append(r.events, e) }

type fakeVM struct {
	types.DefaultVMContext
	r *recorder
}

func (v *fakeVM) OnVMStart(int) types.OnVMStartStatus { v.r.add("vm_start"); return true }
func (v *fakeVM) NewPluginContext(id uint32) types.PluginContext {
	v.r.add("new_plugin")
	return &fakePlugin{r: v.r}
}

type fakePlugin struct {
	types.DefaultPluginContext
	r *recorder
}

func (p *fakePlugin) OnPluginStart(int) types.OnPluginStartStatus {
	p.r.add("plugin_start")
	return true
}
func (p *fakePlugin) OnTick()             { p.r.add("tick") }
func (p *fakePlugin) OnQueueReady(uint32) { p.r.add("queue_ready") }
func (p *fakePlugin) OnPluginDone() bool  { p.r.add("plugin_done"); return false }
func (p *fakePlugin) NewHttpContext(id uint32) types.HttpContext {
	p.r.add("new_http")
	return &fakeStream{r: p.r}
}

type fakeStream struct {
	types.DefaultHttpContext
	r *recorder
}

func (s *fakeStream) OnHttpRequestHeaders(int, bool) types.Action {
	s.r.add("request_headers")
	return types.ActionPause
}
func (s *fakeStream) OnHttpStreamDone() { s.r.add("stream_done") }

type fakeDispatchHost struct {
	r         *recorder
	effective []uint32
}

func (h *fakeDispatchHost) setEffectiveContext(id uint32) error {
	h.effective = append(h.effective, id)
	return nil
}
func (h *fakeDispatchHost) log(level logLevel, msg string) { h.r.add("log") }

func newTestDispatcher() (*dispatcher, *recorder, *fakeDispatchHost) {
	r := &recorder{}
	h := &fakeDispatchHost{r: r}
	d := newDispatcher(&fakeVM{r: r}, h)
	d.contextCreate(1, 0)
	r.events = nil
	return d, r, h
}

func TestDispatcherLifecycle(t *testing.T) {
	d, r, _ := newTestDispatcher()
	if !d.vmStart(1, 0) || !d.configure(1, 10) {
		t.Fatal("vm start or configure reported failure")
	}
	d.contextCreate(2, 1)
	if got := d.requestHeaders(2, 3, false); got != types.ActionPause {
		t.Fatalf("requestHeaders = %v, want the stream's Pause", got)
	}
	d.done(2)
	d.delete(2)
	if got := d.requestHeaders(2, 4, true); got != types.ActionContinue {
		t.Fatalf("requestHeaders on a deleted stream = %v, want Continue", got)
	}
	d.tick(1)
	d.queueReady(1, 7)
	if d.done(1) {
		t.Fatal("done(root) must return the plugin's OnPluginDone (false)")
	}
	d.delete(1)
	want := []string{"vm_start", "plugin_start", "new_http", "request_headers", "stream_done", "tick", "queue_ready", "plugin_done"}
	if !reflect.DeepEqual(r.events, want) {
		t.Fatalf("events = %q, want %q", r.events, want)
	}
	if len(d.roots) != 0 || d.streams.len() != 0 {
		t.Fatalf("contexts left after delete: %d roots, %d streams", len(d.roots), d.streams.len())
	}
}

func TestDispatcherUnknownIdsNeverPanic(t *testing.T) {
	d, r, _ := newTestDispatcher()
	d.contextCreate(5, 99) // unknown root
	if got := d.requestHeaders(5, 1, true); got != types.ActionContinue {
		t.Fatalf("requestHeaders on an unknown stream = %v, want Continue", got)
	}
	d.httpCallResponse(99, 4, 1, 0, 0) // unknown root
	d.httpCallResponse(1, 4, 1, 0, 0)  // unknown token
	d.tick(99)
	d.delete(42)
	want := []string{"log", "log", "log"}
	if !reflect.DeepEqual(r.events, want) {
		t.Fatalf("events = %q, want three logged complaints %q", r.events, want)
	}
}

func TestDispatcherHttpCallResponseReturnsToTheCallingStream(t *testing.T) {
	d, _, h := newTestDispatcher()
	d.contextCreate(2, 1)
	d.requestHeaders(2, 1, false) // stream 2 is active when it dispatches
	var got []int
	d.registerCallout(4, func(nh, bs, nt int) { got = []int{nh, bs, nt} })
	d.tick(1) // another callback in between must not change who the call belongs to
	d.httpCallResponse(1, 4, 3, 120, 0)
	if !reflect.DeepEqual(got, []int{3, 120, 0}) {
		t.Fatalf("callback got %v, want [3 120 0]", got)
	}
	if !reflect.DeepEqual(h.effective, []uint32{2}) {
		t.Fatalf("effective context switches = %v, want [2]", h.effective)
	}
	if d.active != 2 {
		t.Fatalf("active context during the callback = %d, want 2", d.active)
	}
	called := false
	d.registerCallout(8, func(int, int, int) { called = true })
	d.httpCallResponse(1, 4, 1, 0, 0) // the same token again is unknown now
	if called {
		t.Fatal("a delivered callout must be forgotten")
	}
}

func TestDispatcherRunsResponseOfDeletedStreamInTheRootContext(t *testing.T) {
	d, _, h := newTestDispatcher()
	d.contextCreate(2, 1)
	d.requestHeaders(2, 1, false)
	called := false
	d.registerCallout(4, func(int, int, int) { called = true })
	d.delete(2)
	d.httpCallResponse(1, 4, 1, 0, 0)
	if !called || len(h.effective) != 0 || d.active != 1 {
		t.Fatalf("called=%v switches=%v active=%d: want the callback run in the root context", called, h.effective, d.active)
	}
}

func TestDispatcherRootCalloutRunsWithoutSwitching(t *testing.T) {
	d, _, h := newTestDispatcher()
	d.tick(1)
	called := false
	d.registerCallout(4, func(int, int, int) { called = true })
	d.httpCallResponse(1, 4, 2, 10, 0)
	if !called || len(h.effective) != 0 {
		t.Fatalf("root callout: called=%v switches=%v, want called and no switch", called, h.effective)
	}
}

func TestDispatcherStreamDoneExactlyOnce(t *testing.T) {
	tests := []struct {
		name  string
		calls func(d *dispatcher)
	}{
		{"done then delete", func(d *dispatcher) { d.done(2); d.delete(2) }},
		{"delete twice", func(d *dispatcher) { d.delete(2); d.delete(2) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, r, _ := newTestDispatcher()
			d.contextCreate(2, 1)
			r.events = nil
			tc.calls(d)
			if !reflect.DeepEqual(r.events, []string{"stream_done"}) {
				t.Fatalf("events = %q, want exactly one stream_done", r.events)
			}
		})
	}
}

// recyclingStream is a fakeStream that counts its recycling.
type recyclingStream struct {
	fakeStream
	recycled int
}

// recyclingPlugin hands out next for every stream and recycles it (abi.Recycler).
type recyclingPlugin struct {
	fakePlugin
	next *recyclingStream
}

func (p *recyclingPlugin) NewHttpContext(uint32) types.HttpContext { return p.next }

func (p *recyclingPlugin) RecycleHttpContext(c types.HttpContext) {
	if c != types.HttpContext(p.next) {
		panic("recycled a context the plugin did not hand out")
	}
	p.next.recycled++
}

// recyclingVM's plugins are recyclingPlugins.
type recyclingVM struct {
	fakeVM
	next *recyclingStream
}

func (v *recyclingVM) NewPluginContext(uint32) types.PluginContext {
	return &recyclingPlugin{fakePlugin: fakePlugin{r: v.r}, next: v.next}
}

// A context is recycled once, after proxy_on_delete and not before (on_done), and
// the dispatcher's own bookkeeping for the next stream reuses the deleted one's.
func TestDispatcherRecyclesDeletedStreams(t *testing.T) {
	r := &recorder{}
	s := &recyclingStream{fakeStream: fakeStream{r: r}}
	d := newDispatcher(&recyclingVM{fakeVM: fakeVM{r: r}, next: s}, &fakeDispatchHost{r: r})
	d.contextCreate(1, 0)
	d.contextCreate(2, 1)
	first, _ := d.streams.get(2)
	d.done(2)
	if s.recycled != 0 {
		t.Fatal("recycled before proxy_on_delete")
	}
	d.delete(2)
	if s.recycled != 1 {
		t.Fatalf("recycled %d times after delete, want 1", s.recycled)
	}
	d.contextCreate(3, 1)
	if third, _ := d.streams.get(3); third != first || third.ctx != s {
		t.Fatal("the next stream did not reuse the deleted stream's bookkeeping, reset")
	}
	d.delete(99) // an unknown id recycles nothing
	if s.recycled != 1 {
		t.Fatalf("recycled %d times, want 1", s.recycled)
	}
	allocs := testing.AllocsPerRun(100, func() {
		d.contextCreate(4, 1)
		d.delete(4)
	})
	if allocs != 0 {
		t.Errorf("a stream's create and delete allocate %v times, want 0", allocs)
	}
}

// The root a stream names is looked up through a one-entry cache (lastRoot): a root
// deleted, or created again under its id, is never served from it.
func TestDispatcherRootCacheFollowsRoots(t *testing.T) {
	d, r, _ := newTestDispatcher()
	d.contextCreate(2, 1) // caches root 1
	d.delete(2)
	d.delete(1)
	r.events = nil
	d.contextCreate(3, 1)
	if _, ok := d.streams.get(3); ok || !reflect.DeepEqual(r.events, []string{"log"}) {
		t.Fatalf("a stream of a deleted root: created %v, events %q; want none and one complaint", ok, r.events)
	}
	d.contextCreate(1, 0) // the id again, a new root
	d.contextCreate(4, 1)
	s, ok := d.streams.get(4)
	if !ok {
		t.Fatal("no stream for the new root")
	}
	if root := d.roots[1]; s.recycler != root.recycler || d.lastRoot != root {
		t.Fatal("the stream was created from the deleted root")
	}
}
