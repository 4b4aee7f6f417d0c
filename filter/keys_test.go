package filter

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// callouts returns the JWKS fetches dispatched so far (from streams or the root context),
// in dispatch order.
func (h *harness) callouts(ids ...uint32) []proxytest.HttpCalloutAttribute {
	var out []proxytest.HttpCalloutAttribute
	for _, id := range append([]uint32{proxytest.PluginContextID}, ids...) {
		out = append(out, h.host.GetCalloutAttributesFromContext(id)...)
	}
	return out
}

func (h *harness) answerFetch(c proxytest.HttpCalloutAttribute, status string, body []byte) {
	h.host.CallOnHttpCallResponse(c.CalloutID, [][2]string{{":status", status}, {"content-type", "application/json"}}, nil, body)
}

// requireFetch asserts that exactly want fetches were dispatched and returns the last one.
func (h *harness) requireFetch(want int, ids ...uint32) proxytest.HttpCalloutAttribute {
	h.t.Helper()
	cs := h.callouts(ids...)
	if len(cs) != want {
		h.t.Fatalf("%d JWKS fetches dispatched, want %d", len(cs), want)
	}
	c := cs[len(cs)-1]
	if c.Upstream != jwksCluster {
		h.t.Fatalf("fetch went to cluster %q, want %q", c.Upstream, jwksCluster)
	}
	for _, kv := range [][2]string{{":method", "GET"}, {":path", jwksPath}, {":authority", "idp.example.com"}} {
		if v, _ := header(c.Headers, kv[0]); v != kv[1] {
			h.t.Fatalf("fetch header %s = %q, want %q", kv[0], v, kv[1])
		}
	}
	return c
}

func TestFirstFetchOnTheFirstTick(t *testing.T) {
	h := newHarness(t, remoteConfig())
	if len(h.callouts()) != 0 {
		t.Fatal("no fetch may be dispatched from OnPluginStart: Envoy's canary VM would cancel it")
	}
	h.host.Tick()
	c := h.requireFetch(1)
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	h.host.Tick()
	if len(h.callouts()) != 1 {
		t.Fatal("a second fetch before refresh_interval")
	}
	id, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	if action != types.ActionContinue {
		t.Fatalf("request after the first fetch: %v %+v", action, h.reply(id))
	}
}

func TestIdPDownAtStartAnswers503WithRetryAfter(t *testing.T) {
	h := newHarness(t, remoteConfig())
	id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	h.answerFetch(h.requireFetch(1, id), "503", []byte("upstream connect error or disconnect/reset before headers"))
	r := h.reply(id)
	if r == nil || r.status != 503 || r.headers["retry-after"] == "" || r.body["reason"] != "keys_unavailable" {
		t.Fatalf("reply %+v, want 503 keys_unavailable with Retry-After", r)
	}
	if h.counter("jwtguard.jwks.fetch_failure") != 1 {
		t.Fatal("fetch_failure counter not incremented")
	}
	// Backoff: no new fetch right away, one after the backoff elapsed; then recovery.
	h.host.Tick()
	if n := len(h.callouts(id)); n != 1 {
		t.Fatalf("%d fetches right after a failure, want 1 (backoff)", n)
	}
	h.clock.advance(2 * time.Second)
	h.host.Tick()
	c := h.requireFetch(2, id)
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	id2, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	if action != types.ActionContinue {
		t.Fatalf("after recovery: %v %+v", action, h.reply(id2))
	}
}

func TestBadJWKSNeverReplacesGoodKeys(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status string
		body   []byte
	}{
		{"server error", "500", []byte(`{"keys":[]}`)},
		{"garbage", "200", []byte("<html>maintenance</html>")},
		{"empty key set", "200", []byte(`{"keys":[]}`)},
		{"only unusable keys", "200", []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)},
		{"oversized", "200", []byte(`{"keys":[],"pad":"` + strings.Repeat("x", 2<<20) + `"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, remoteConfig())
			h.host.Tick()
			h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))
			h.clock.advance(301 * time.Second)
			h.host.Tick()
			h.answerFetch(h.requireFetch(2), tc.status, tc.body)
			if h.counter("jwtguard.jwks.fetch_failure") != 1 {
				t.Fatal("the bad answer was not counted as a failure")
			}
			id, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
			if action != types.ActionContinue {
				t.Fatalf("last-good keys were lost: %v %+v", action, h.reply(id))
			}
		})
	}
}

func TestUnknownKidRefetchesOnceAndResumes(t *testing.T) {
	h := newHarness(t, remoteConfig())
	h.host.Tick()
	h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))

	// The IdP rotates to rsa-2: the first token signed with it is held, one refetch goes out.
	rotated := h.token(testKeys.RSA2, nil)
	id, action := h.request("GET", "/x", bearer(rotated))
	if action != types.ActionPause || h.reply(id) != nil {
		t.Fatalf("unknown kid must hold the request for a refetch; action %v reply %+v", action, h.reply(id))
	}
	id2, _ := h.request("GET", "/x", bearer(rotated))
	c := h.requireFetch(2, id, id2) // single flight: the second request joins the first fetch
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA, testKeys.RSA2))
	for _, sid := range []uint32{id, id2} {
		if got := h.host.GetCurrentHttpStreamAction(sid); got != types.ActionContinue {
			t.Fatalf("stream %d not resumed: %v %+v", sid, got, h.reply(sid))
		}
	}
}

func TestUnknownKidRefetchIsRateLimited(t *testing.T) {
	h := newHarness(t, remoteConfig())
	h.host.Tick()
	h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))

	forged := h.token(testKeys.RSA2, nil) // a kid the IdP never publishes
	id, _ := h.request("GET", "/x", bearer(forged))
	h.answerFetch(h.requireFetch(2, id), "200", mint.JWKS(testKeys.RSA))
	if r := h.reply(id); r == nil || r.status != 401 || r.body["reason"] != "unknown_kid" {
		t.Fatalf("after a refetch without the kid: %+v, want 401 unknown_kid", r)
	}
	// Within refetch_min_interval, more unknown kids are refused at once, without a fetch.
	h.clock.advance(10 * time.Second)
	id2, action := h.request("GET", "/x", bearer(forged))
	if r := h.reply(id2); action != types.ActionPause || r == nil || r.status != 401 {
		t.Fatalf("rate-limited unknown kid: %v %+v, want an immediate 401", action, r)
	}
	if n := len(h.callouts(id, id2)); n != 2 {
		t.Fatalf("%d fetches, want 2: the refetch must be rate limited", n)
	}
	// After the interval, a new unknown kid may refetch again.
	h.clock.advance(21 * time.Second)
	id3, action := h.request("GET", "/x", bearer(forged))
	if action != types.ActionPause || h.reply(id3) != nil {
		t.Fatalf("after the interval an unknown kid may refetch; got %v %+v", action, h.reply(id3))
	}
	h.requireFetch(3, id, id2, id3)
}

func TestCachedTokenDroppedWhenItsKeyIsRemoved(t *testing.T) {
	h := newHarness(t, remoteConfig())
	h.host.Tick()
	h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA, testKeys.RSA2))
	tok := h.token(testKeys.RSA2, nil)
	if _, action := h.request("GET", "/x", bearer(tok)); action != types.ActionContinue {
		t.Fatal("token of rsa-2 refused while rsa-2 is published")
	}
	// The refresh no longer publishes rsa-2: the cached token must stop working at once.
	h.clock.advance(301 * time.Second)
	h.host.Tick()
	h.answerFetch(h.requireFetch(2), "200", mint.JWKS(testKeys.RSA))
	id, action := h.request("GET", "/x", bearer(tok))
	if action == types.ActionContinue {
		t.Fatal("a cached token outlived the removal of its key")
	}
	if hits := h.counter("jwtguard.cache.hit"); hits != 0 {
		t.Fatalf("cache hits = %d, want 0", hits)
	}
	_ = id
}

// Regression: a fetch dispatched from a held request whose client then left gets no answer
// (the host drops the callout of a deleted stream). The VM must fetch again once that fetch's
// lease has expired instead of waiting for the lost answer forever.
func TestLostFetchAnswerDoesNotBlockLaterFetches(t *testing.T) {
	h := newHarness(t, remoteConfig())
	id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	c := h.requireFetch(1, id)
	h.host.CompleteHttpContext(id)
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA)) // dropped: its stream is gone
	h.clock.advance(7 * time.Second)                 // past timeout (5s) + lease margin
	h.host.Tick()
	if n := len(h.callouts(id)); n != 2 {
		t.Fatalf("%d fetches, want a second one after the first was lost", n)
	}
}

// The heap gauge carries this VM's share once, however many ticks report it.
func TestHeapGaugeReportsTheVMsShareOnce(t *testing.T) {
	h := newHarness(t, remoteConfig())
	runtime.GC() // the live heap is what the last collection found
	for range 5 {
		h.host.Tick()
	}
	g, _ := h.host.GetGaugeMetric("jwtguard.vm.heap_live_bytes")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if g <= 0 || uint64(g) > 2*ms.HeapAlloc+1<<20 {
		t.Fatalf("jwtguard.vm.heap_live_bytes = %d after 5 ticks, want this process's heap (%d) counted once", g, ms.HeapAlloc)
	}
}

// One row per remote_jwks field of config/REFERENCE.md: each changes what the plugin does.
func init() {
	const prefix = "providers.<name>.remote_jwks."
	// remoteWith is remoteConfig with one remote_jwks member replaced or added.
	remoteWith := func(old, new string) string {
		if old == "" {
			return remoteConfigWith(", " + new)
		}
		return strings.Replace(remoteConfig(), old, new, 1)
	}
	firstFetch := func(t *testing.T, config string) proxytest.HttpCalloutAttribute {
		h := newHarness(t, config)
		h.host.Tick()
		cs := h.callouts()
		if len(cs) != 1 {
			t.Fatalf("%d fetches on the first tick, want 1", len(cs))
		}
		return cs[0]
	}
	// fetchesAfter answers the first fetch with status, moves the clock by d and ticks, and
	// returns how many fetches went out in all.
	fetchesAfter := func(t *testing.T, config, status string, d time.Duration) int {
		h := newHarness(t, config)
		h.host.Tick()
		h.answerFetch(h.requireFetch(1), status, mint.JWKS(testKeys.RSA))
		h.clock.advance(d)
		h.host.Tick()
		return len(h.callouts())
	}
	fieldCases = append(fieldCases,
		fieldCase{field: prefix + "cluster", run: func(t *testing.T) {
			if c := firstFetch(t, remoteWith(`"cluster": "idp"`, `"cluster": "outbound|443||idp.example.com"`)); c.Upstream != "outbound|443||idp.example.com" {
				t.Fatalf("fetched from cluster %q", c.Upstream)
			}
		}},
		fieldCase{field: prefix + "authority", run: func(t *testing.T) {
			c := firstFetch(t, remoteWith(`"authority": "idp.example.com"`, `"authority": "login.example.com:8443"`))
			if a, _ := header(c.Headers, ":authority"); a != "login.example.com:8443" {
				t.Fatalf(":authority %q", a)
			}
		}},
		fieldCase{field: prefix + "path", run: func(t *testing.T) {
			c := firstFetch(t, remoteWith(`"path": "`+jwksPath+`"`, `"path": "/keys?v=2"`))
			if p, _ := header(c.Headers, ":path"); p != "/keys?v=2" {
				t.Fatalf(":path %q", p)
			}
		}},
		fieldCase{field: prefix + "refresh_interval", run: func(t *testing.T) {
			for _, tc := range []struct {
				config string
				want   int
			}{{remoteConfig(), 1}, {remoteWith(`"refresh_interval": "300s"`, `"refresh_interval": "20s"`), 2}} {
				t.Run(strconv.Itoa(tc.want), func(t *testing.T) {
					if n := fetchesAfter(t, tc.config, "200", 21*time.Second); n != tc.want {
						t.Fatalf("%d fetches 21s after a success, want %d", n, tc.want)
					}
				})
			}
		}},
		fieldCase{field: prefix + "timeout", run: func(t *testing.T) {
			// An unanswered fetch holds its lease for timeout + 1s; then the next tick fetches again.
			for _, tc := range []struct {
				config string
				want   int
			}{{remoteConfig(), 1}, {remoteWith(`"timeout": "5s"`, `"timeout": "1s"`), 2}} {
				t.Run(strconv.Itoa(tc.want), func(t *testing.T) {
					h := newHarness(t, tc.config)
					id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
					h.host.CompleteHttpContext(id)
					h.clock.advance(2500 * time.Millisecond)
					h.host.Tick()
					if n := len(h.callouts(id)); n != tc.want {
						t.Fatalf("%d fetches 2.5s after a lost one, want %d", n, tc.want)
					}
				})
			}
		}},
		fieldCase{field: prefix + "refetch_min_interval", run: func(t *testing.T) {
			// A second unknown kid 10s after the first refetches only if the interval is shorter.
			for _, tc := range []struct {
				config string
				want   int
			}{{remoteConfig(), 2}, {remoteWith(`"refetch_min_interval": "30s"`, `"refetch_min_interval": "5s"`), 3}} {
				t.Run(strconv.Itoa(tc.want), func(t *testing.T) {
					h := newHarness(t, tc.config)
					h.host.Tick()
					h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))
					forged := h.token(testKeys.EC, nil)
					id, _ := h.request("GET", "/x", bearer(forged))
					h.answerFetch(h.requireFetch(2, id), "200", mint.JWKS(testKeys.RSA))
					h.clock.advance(10 * time.Second)
					id2, _ := h.request("GET", "/x", bearer(forged))
					if n := len(h.callouts(id, id2)); n != tc.want {
						t.Fatalf("%d fetches, want %d", n, tc.want)
					}
				})
			}
		}},
		fieldCase{field: prefix + "backoff_base_interval", run: func(t *testing.T) {
			// After one failure the retry waits between half and all of the base.
			for _, tc := range []struct {
				config string
				want   int
			}{{remoteConfig(), 1}, {remoteWith("", `"backoff_base_interval": "100ms"`), 2}} {
				t.Run(strconv.Itoa(tc.want), func(t *testing.T) {
					if n := fetchesAfter(t, tc.config, "503", 150*time.Millisecond); n != tc.want {
						t.Fatalf("%d fetches 150ms after a failure, want %d", n, tc.want)
					}
				})
			}
		}},
		fieldCase{field: prefix + "backoff_max_interval", run: func(t *testing.T) {
			// Six failures in a row: the seventh attempt comes within the cap.
			for _, tc := range []struct {
				config string
				want   bool
			}{{remoteConfig(), false}, {remoteWith("", `"backoff_max_interval": "2s"`), true}} {
				t.Run(strconv.FormatBool(tc.want), func(t *testing.T) {
					h := newHarness(t, tc.config)
					for i := 1; i <= 6; i++ {
						h.host.Tick()
						h.answerFetch(h.requireFetch(i), "503", nil)
						h.clock.advance(time.Minute)
					}
					h.clock.advance(-time.Minute + 2*time.Second)
					h.host.Tick()
					if got := len(h.callouts()) == 7; got != tc.want {
						t.Fatalf("seventh attempt within 2s of the sixth failure: %v, want %v", got, tc.want)
					}
				})
			}
		}},
	)
}
