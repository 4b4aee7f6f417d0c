package filter

import (
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

func TestFirstRequestIsHeldUntilTheFirstFetch(t *testing.T) {
	h := newHarness(t, remoteConfig())
	tok := h.token(testKeys.RSA, nil)
	id, action := h.request("GET", "/x", bearer(tok))
	if action != types.ActionPause || h.reply(id) != nil {
		t.Fatalf("with no keys yet the request must be held; action %v", action)
	}
	c := h.requireFetch(1, id)
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	if got := h.host.GetCurrentHttpStreamAction(id); got != types.ActionContinue {
		t.Fatalf("held request not resumed after the keys arrived: %v, reply %+v", got, h.reply(id))
	}
	if v, _ := header(h.host.GetCurrentRequestHeaders(id), "x-jwt-sub"); v != "alice" {
		t.Fatalf("resumed request lacks its claim header: %q", v)
	}
	if h.counter("jwtguard.jwks.fetch_success") != 1 {
		t.Fatal("fetch_success counter not incremented")
	}
}

func TestHeldRequestWhoseClientLeftIsReleased(t *testing.T) {
	h := newHarness(t, remoteConfig())
	id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	c := h.requireFetch(1, id)
	h.host.CompleteHttpContext(id) // the client goes away while held
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	if r := h.reply(id); r != nil {
		t.Fatalf("a reply was sent to a stream that is gone: %+v", r)
	}
	h.host.Tick()
	if g, _ := h.host.GetGaugeMetric("jwtguard.held_requests"); g != 0 {
		t.Fatalf("held_requests gauge = %d after the client left, want 0", g)
	}
}

func TestHeldRequestTimesOut(t *testing.T) {
	h := newHarness(t, remoteConfig())
	id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	h.requireFetch(1, id)
	h.host.Tick()
	if g, _ := h.host.GetGaugeMetric("jwtguard.held_requests"); g != 1 {
		t.Fatalf("held_requests gauge = %d while one request is held, want 1", g)
	}
	h.clock.advance(11 * time.Second) // past pending_timeout; the fetch never answered
	h.host.Tick()
	if r := h.reply(id); r == nil || r.status != 503 {
		t.Fatalf("held past its deadline: %+v, want 503", r)
	}
	h.host.Tick()
	if g, _ := h.host.GetGaugeMetric("jwtguard.held_requests"); g != 0 {
		t.Fatalf("held_requests gauge = %d after the answer, want 0", g)
	}
}

// Issue 15: a forged kid spends the one refetch allowed per refetch_min_interval; a token of
// a key the IdP publishes right after must not be refused until the window ends. It is held
// until the next fetch that will happen — the window's end or the scheduled refresh, whichever
// is first — when that falls within pending_timeout, and refused at once otherwise.
func TestForgedKidDoesNotBlockTheNextRotation(t *testing.T) {
	for _, tc := range []struct {
		name      string
		config    string
		fetchIn   time.Duration // when the awaited fetch goes out after the rotated token; 0: refused at once
		published bool          // the fetch brings the rotated key
	}{
		{"window and refresh past pending_timeout", remoteConfig(), 0, true},
		{"refetch window 5s", strings.Replace(remoteConfig(), `"refetch_min_interval": "30s"`, `"refetch_min_interval": "5s"`, 1), 3 * time.Second, true},
		{"scheduled refresh first", strings.Replace(remoteConfig(), `"refresh_interval": "300s"`, `"refresh_interval": "8s"`, 1), 6 * time.Second, true},
		{"fetch does not bring the kid", strings.Replace(remoteConfig(), `"refetch_min_interval": "30s"`, `"refetch_min_interval": "5s"`, 1), 3 * time.Second, false},
		{"no fetch within pending_timeout", withLimits(strings.Replace(remoteConfig(), `"refetch_min_interval": "30s"`, `"refetch_min_interval": "5s"`, 1), `{"pending_timeout": "2s"}`), 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.config)
			h.host.Tick()
			h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))
			forged, _ := h.request("GET", "/x", bearer(h.token(testKeys.EC, nil))) // a kid the IdP never publishes
			h.answerFetch(h.requireFetch(2, forged), "200", mint.JWKS(testKeys.RSA))
			if r := h.reply(forged); r == nil || r.body["reason"] != "unknown_kid" {
				t.Fatalf("forged kid: %+v, want 401 unknown_kid", r)
			}
			// Two seconds later the IdP rotates to rsa-2 and a client presents a token of it.
			h.clock.advance(2 * time.Second)
			id, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA2, nil)))
			if tc.fetchIn == 0 {
				if r := h.reply(id); action != types.ActionPause || r == nil || r.body["reason"] != "unknown_kid" {
					t.Fatalf("no fetch can come in time: %v %+v, want 401 unknown_kid at once", action, r)
				}
				if n := len(h.callouts(forged, id)); n != 2 {
					t.Fatalf("%d fetches, want 2", n)
				}
				return
			}
			if action != types.ActionPause || h.reply(id) != nil {
				t.Fatalf("rotated kid within reach of the next fetch: %v %+v, want held", action, h.reply(id))
			}
			// Tick until just before the awaited fetch: none may go out early (rate limit).
			for elapsed := time.Duration(0); elapsed+250*time.Millisecond < tc.fetchIn; elapsed += 250 * time.Millisecond {
				h.clock.advance(250 * time.Millisecond)
				h.host.Tick()
			}
			if n := len(h.callouts(forged, id)); n != 2 {
				t.Fatalf("%d fetches before the awaited one, want 2", n)
			}
			h.clock.advance(250 * time.Millisecond)
			h.host.Tick()
			c := h.requireFetch(3, forged, id)
			keys := mint.JWKS(testKeys.RSA)
			if tc.published {
				keys = mint.JWKS(testKeys.RSA, testKeys.RSA2)
			}
			h.answerFetch(c, "200", keys)
			got, r := h.host.GetCurrentHttpStreamAction(id), h.reply(id)
			if tc.published && (got != types.ActionContinue || r != nil) {
				t.Fatalf("held rotated token after the fetch: %v %+v, want let through", got, r)
			}
			if !tc.published && (r == nil || r.body["reason"] != "unknown_kid") {
				t.Fatalf("held token whose kid the fetch did not bring: %+v, want 401 unknown_kid", r)
			}
		})
	}
}

// Requests held for an unknown kid count against max_pending_requests like any held request.
func TestHeldForUnknownKidBoundedByMaxPending(t *testing.T) {
	h := newHarness(t, withLimits(strings.Replace(remoteConfig(), `"refetch_min_interval": "30s"`, `"refetch_min_interval": "5s"`, 1), `{"max_pending_requests": 1}`))
	h.host.Tick()
	h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))
	forged, _ := h.request("GET", "/x", bearer(h.token(testKeys.EC, nil)))
	h.answerFetch(h.requireFetch(2, forged), "200", mint.JWKS(testKeys.RSA))
	first, a1 := h.request("GET", "/x", bearer(h.token(testKeys.RSA2, nil)))
	second, a2 := h.request("GET", "/x", bearer(h.token(testKeys.RSA2, map[string]any{"sub": "bob"})))
	if a1 != types.ActionPause || h.reply(first) != nil {
		t.Fatalf("first rotated token not held: %v %+v", a1, h.reply(first))
	}
	if r := h.reply(second); a2 != types.ActionPause || r == nil || r.status != 503 || r.body["reason"] != "too_many_pending" {
		t.Fatalf("second rotated token beyond max_pending_requests 1: %v %+v, want 503 too_many_pending", a2, r)
	}
}

// TestMaxPendingRequestsCoversEveryWait: each of the three waits (the first keys, an unknown
// kid a coming fetch may bring, the first revocation list) counts against
// limits.max_pending_requests: with 1, a second waiting request is answered 503
// too_many_pending; with 0 nothing waits and the request is answered at once with what the
// VM has.
func TestMaxPendingRequestsCoversEveryWait(t *testing.T) {
	type wait struct {
		name  string
		setup func(t *testing.T, limits string) (*harness, func(h *harness, sub string) (uint32, types.Action))
		alone string // the answer with max_pending_requests 0
	}
	waits := []wait{
		{"first keys", func(t *testing.T, limits string) (*harness, func(*harness, string) (uint32, types.Action)) {
			h := newHarness(t, withLimits(remoteConfig(), limits))
			return h, func(h *harness, sub string) (uint32, types.Action) {
				return h.request("GET", "/x", bearer(h.token(testKeys.RSA, map[string]any{"sub": sub})))
			}
		}, "keys_unavailable"},
		{"unknown kid", func(t *testing.T, limits string) (*harness, func(*harness, string) (uint32, types.Action)) {
			h := newHarness(t, withLimits(remoteConfig(), limits))
			h.host.Tick()
			h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))
			return h, func(h *harness, sub string) (uint32, types.Action) {
				return h.request("GET", "/x", bearer(h.token(testKeys.RSA2, map[string]any{"sub": sub})))
			}
		}, "unknown_kid"},
		{"first revocation list", func(t *testing.T, limits string) (*harness, func(*harness, string) (uint32, types.Action)) {
			h := newHarness(t, withLimits(localConfig(t, revSection("")), limits))
			return h, func(h *harness, sub string) (uint32, types.Action) {
				return h.get(h.token(testKeys.RSA, map[string]any{"sub": sub}))
			}
		}, "revocation_unavailable"},
	}
	for _, w := range waits {
		t.Run(w.name+"/max 1", func(t *testing.T) {
			h, send := w.setup(t, `{"max_pending_requests": 1}`)
			first, a1 := send(h, "alice")
			if a1 != types.ActionPause || h.reply(first) != nil {
				t.Fatalf("first request not held: %v %+v", a1, h.reply(first))
			}
			second, _ := send(h, "bob")
			if r := h.reply(second); r == nil || r.status != 503 || r.body["reason"] != "too_many_pending" {
				t.Fatalf("second request: %+v, want 503 too_many_pending", r)
			}
		})
		t.Run(w.name+"/max 0", func(t *testing.T) {
			h, send := w.setup(t, `{"max_pending_requests": 0}`)
			id, _ := send(h, "alice")
			if r := h.reply(id); r == nil || r.body["reason"] != w.alone {
				t.Fatalf("request: %+v, want %s at once", r, w.alone)
			}
		})
	}
}
