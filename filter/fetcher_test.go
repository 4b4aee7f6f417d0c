package filter

import (
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
	// The 304 scheduled the next refresh, not a backoff retry.
	h.clock.advance(200 * time.Second)
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
