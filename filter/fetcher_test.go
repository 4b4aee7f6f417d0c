package filter

import (
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

func (h *harness) answerFetchWith(c proxytest.HttpCalloutAttribute, status string, headers [][2]string, body []byte) {
	h.host.CallOnHttpCallResponse(c.CalloutID, append([][2]string{{":status", status}}, headers...), nil, body)
}

// ETag (RFC 9110 §13.1.2): the refresh asks If-None-Match with the published document's
// ETag; a 304 keeps the keys in use and counts as a success, without a backoff.
func TestFetchIsConditionalAnd304KeepsTheKeys(t *testing.T) {
	h := newHarness(t, remoteConfig())
	h.host.Tick()
	first := h.requireFetch(1)
	if v, ok := header(first.Headers, "if-none-match"); ok {
		t.Fatalf("first fetch sent If-None-Match %q with nothing published", v)
	}
	h.answerFetchWith(first, "200", [][2]string{{"etag", `"v1"`}}, mint.JWKS(testKeys.RSA))
	h.clock.advance(301 * time.Second)
	h.host.Tick()
	second := h.requireFetch(2)
	if v, _ := header(second.Headers, "if-none-match"); v != `"v1"` {
		t.Fatalf("refresh sent If-None-Match %q, want the published ETag", v)
	}
	h.answerFetchWith(second, "304", nil, nil)
	if ok, bad := h.counter("jwtguard.jwks.fetch_success"), h.counter("jwtguard.jwks.fetch_failure"); ok != 2 || bad != 0 {
		t.Fatalf("fetch_success %d, fetch_failure %d after 200 then 304; want 2 and 0", ok, bad)
	}
	if _, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil))); action != types.ActionContinue {
		t.Fatal("keys lost after a 304")
	}
	// The keys' age counts from the 304: the IdP confirmed them.
	h.clock.advance(3 * time.Second)
	h.host.Tick()
	if g, _ := h.host.GetGaugeMetric("jwtguard.jwks.keys_age_seconds.provider.corp"); g != 3 {
		t.Fatalf("keys age %ds 3s after a 304, want 3", g)
	}
	// The 304 scheduled the next refresh, not a backoff retry.
	h.clock.advance(197 * time.Second)
	h.host.Tick()
	if n := len(h.callouts()); n != 2 {
		t.Fatalf("%d fetches 200s after a 304, want 2 (next refresh at 300s)", n)
	}
}

// A 304 that answers an unconditional fetch confirms nothing: it is a failure.
func TestUnsolicited304IsAFailure(t *testing.T) {
	h := newHarness(t, remoteConfig())
	h.host.Tick()
	h.answerFetchWith(h.requireFetch(1), "304", nil, nil)
	if h.counter("jwtguard.jwks.fetch_failure") != 1 {
		t.Fatal("an unsolicited 304 was not counted as a failure")
	}
}

// A document without an ETag (or with one that cannot be sent back) is refreshed
// unconditionally.
func TestNoETagNoConditionalFetch(t *testing.T) {
	for _, tc := range []struct{ name, etag string }{{"none", ""}, {"unquoted", "v1"}, {"control character", "\"a\x01\""}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, remoteConfig())
			h.host.Tick()
			var hs [][2]string
			if tc.etag != "" {
				hs = [][2]string{{"etag", tc.etag}}
			}
			h.answerFetchWith(h.requireFetch(1), "200", hs, mint.JWKS(testKeys.RSA))
			h.clock.advance(301 * time.Second)
			h.host.Tick()
			if v, ok := header(h.requireFetch(2).Headers, "if-none-match"); ok {
				t.Fatalf("If-None-Match %q sent for a document served with ETag %q", v, tc.etag)
			}
		})
	}
}

// Regression (issue 15, defect 3): when another VM writes the schedule between every read
// and write of this one, the schedule update after an attempt fails. The attempt still
// ended: the requests this VM holds must be answered now, not at their deadline, and good
// keys must still serve here.
func TestRegressionScheduleUpdateFailureStillSettlesHeldRequests(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     string
		body       []byte
		wantStatus uint32 // 0: let through
	}{
		{"keys fetched", "200", mint.JWKS(testKeys.RSA), 0},
		{"fetch failed", "503", []byte("down"), 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, remoteConfig())
			other := h.secondVM()
			id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
			c := h.requireFetch(1, id)
			h.plugin.providers[0].jwks.interleave = func(point string) {
				if point == interleaveScheduleRead {
					other.providers[0].jwks.updateSchedule(func(s *fetchSchedule) { s.lastKidRefetch++ })
				}
			}
			h.answerFetch(c, tc.status, tc.body)
			got := h.host.GetCurrentHttpStreamAction(id)
			r := h.reply(id)
			switch {
			case tc.wantStatus == 0 && (got != types.ActionContinue || r != nil):
				t.Fatalf("held request not let through after good keys arrived: %v %+v", got, r)
			case tc.wantStatus != 0 && (r == nil || r.status != tc.wantStatus):
				t.Fatalf("held request: %+v, want %d at once", r, tc.wantStatus)
			}
			if len(h.host.GetErrorLogs()) == 0 {
				t.Fatal("the failed schedule update was not logged")
			}
		})
	}
}

// Regression (issue 15, defect 4): the log line of a failed fetch said "keys in use are kept"
// when there were none. It must say what is true in each case.
func TestRegressionFailedFetchLogSaysWhatIsInUse(t *testing.T) {
	withLocal := strings.Replace(remoteConfig(), `"remote_jwks"`, `"local_jwks": `+string(mint.JWKS(testKeys.EC))+`, "remote_jwks"`, 1)
	for _, tc := range []struct {
		name, config string
		fetchFirst   bool
		want         string
	}{
		{"no keys yet", remoteConfig(), false, "there are no keys yet"},
		{"local keys", withLocal, false, "the local_jwks keys stay in use"},
		{"fetched keys", remoteConfig(), true, "the keys fetched 5m1s ago stay in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.config)
			n := 1
			if tc.fetchFirst {
				h.host.Tick()
				h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA))
				h.clock.advance(301 * time.Second)
				n = 2
			}
			h.host.Tick()
			h.answerFetch(h.requireFetch(n), "503", []byte("down"))
			logs := strings.Join(h.host.GetWarnLogs(), "\n")
			if !strings.Contains(logs, "JWKS fetch failed (status_503); "+tc.want) {
				t.Fatalf("warn logs %q do not say %q", logs, tc.want)
			}
		})
	}
}

// backoff stays within [d/2, d], d being base doubled per further failure and capped at max
// and at the refresh interval (the jitter documented in config/REFERENCE.md).
func TestBackoffBounds(t *testing.T) {
	const base, max, refresh = 100 * time.Millisecond, time.Second, 300 * time.Second
	for _, tc := range []struct {
		name     string
		failures int64
		refresh  time.Duration
		want     time.Duration // the capped delay d
	}{
		{"first failure", 1, refresh, 100 * time.Millisecond},
		{"second", 2, refresh, 200 * time.Millisecond},
		{"fourth", 4, refresh, 800 * time.Millisecond},
		{"capped at max", 5, refresh, time.Second},
		{"long outage", 1000, refresh, time.Second},
		{"capped at refresh", 5, 300 * time.Millisecond, 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 200 {
				if got := backoff(tc.failures, base, max, tc.refresh); got < tc.want/2 || got > tc.want {
					t.Fatalf("backoff = %v, want within [%v, %v]", got, tc.want/2, tc.want)
				}
			}
		})
	}
}

// Regression (issue 15, defect 1): backoff_base_interval and backoff_max_interval were parsed
// but the fetcher backed off from 1s up to 5m whatever they said. With the IdP failing, base
// 100ms and max 1s, the gaps between attempts grow from ~100ms and never exceed 1s.
func TestRegressionBackoffUsesTheConfiguredIntervals(t *testing.T) {
	h := newHarness(t, remoteConfigWith(`, "backoff_base_interval": "100ms", "backoff_max_interval": "1s"`))
	const step = 10 * time.Millisecond // tick granularity of this test
	var at []time.Time
	for i := 0; len(at) < 10 && i < 2000; i++ {
		h.host.Tick()
		if cs := h.callouts(); len(cs) > len(at) {
			at = append(at, h.clock.now())
			h.answerFetch(cs[len(cs)-1], "503", []byte("down"))
		}
		h.clock.advance(step)
	}
	if len(at) < 10 {
		t.Fatalf("%d attempts in 20s of a failing IdP with backoff_max_interval 1s, want 10", len(at))
	}
	for i := 1; i < len(at); i++ {
		gap := at[i].Sub(at[i-1])
		d := min(100*time.Millisecond<<(i-1), time.Second)
		if gap < d/2 || gap > d+step {
			t.Errorf("gap %d = %v, want within [%v, %v] (jitter between half and all of the delay)", i, gap, d/2, d+step)
		}
	}
}
