package filter

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// Rows of the documented-fields test for REFERENCE.md's limits table (each with the default
// against a value that changes the answer).

// withLimits puts a limits object into cfg.
func withLimits(cfg, limits string) string {
	if limits == "" {
		return cfg
	}
	return strings.Replace(cfg, `"rules":`, `"limits": `+limits+`, "rules":`, 1)
}

// fetches are the JWKS requests dispatched so far, from the root context or stream ids.
func fetches(h *harness, ids ...uint32) []proxytest.HttpCalloutAttribute {
	var out []proxytest.HttpCalloutAttribute
	for _, id := range append([]uint32{proxytest.PluginContextID}, ids...) {
		out = append(out, h.host.GetCalloutAttributesFromContext(id)...)
	}
	return out
}

func init() {
	l := "limits."
	fieldCases = append(fieldCases,
		fieldCase{field: l + "max_token_bytes", run: func(t *testing.T) {
			for _, tc := range []struct {
				limits string
				status uint32
			}{{"", 0}, {`{"max_token_bytes": 512}`, 401}} {
				t.Run(tc.limits, func(t *testing.T) {
					h := newHarness(t, withLimits(localConfig(t, ""), tc.limits))
					tok := h.token(testKeys.RSA, map[string]any{"pad": strings.Repeat("x", 600)})
					if r := h.expectStatus(tc.status, "GET", "/api/x", bearer(tok)); r != nil && r.body["reason"] != "token_too_large" {
						t.Fatalf("reason %q", r.body["reason"])
					}
				})
			}
		}},
		fieldCase{field: l + "cache_entries", run: func(t *testing.T) {
			for _, tc := range []struct {
				limits string
				hits   uint64
			}{{"", 1}, {`{"cache_entries": 0}`, 0}} {
				t.Run(tc.limits, func(t *testing.T) {
					h := newHarness(t, withLimits(localConfig(t, ""), tc.limits))
					tok := h.token(testKeys.RSA, nil)
					h.expectStatus(0, "GET", "/api/x", bearer(tok))
					h.expectStatus(0, "GET", "/api/x", bearer(tok))
					if got := h.counter("jwtguard.cache.hit"); got != tc.hits {
						t.Fatalf("cache hits %d, want %d", got, tc.hits)
					}
				})
			}
		}},
		fieldCase{field: l + "max_keys", run: func(t *testing.T) {
			// The test's local key set has two keys.
			for _, tc := range []struct {
				limits string
				want   types.OnPluginStartStatus
			}{{"", types.OnPluginStartStatusOK}, {`{"max_keys": 1}`, types.OnPluginStartStatusFailed}} {
				t.Run(tc.limits, func(t *testing.T) {
					host, release := newEmulator(proxytestOption(withLimits(localConfig(t, ""), tc.limits)))
					defer release()
					if st := host.StartPlugin(); st != tc.want {
						t.Fatalf("StartPlugin = %v, want %v; critical logs %q", st, tc.want, host.GetCriticalLogs())
					}
				})
			}
		}},
		fieldCase{field: l + "max_jwks_bytes", run: func(t *testing.T) {
			body := mint.JWKS(testKeys.RSA, testKeys.EC)
			body = append(body, bytes.Repeat([]byte(" "), max(0, 1100-len(body)))...) // JSON whitespace
			for _, tc := range []struct {
				limits           string
				success, failure uint64
			}{{"", 1, 0}, {`{"max_jwks_bytes": 1024}`, 0, 1}} {
				t.Run(tc.limits, func(t *testing.T) {
					h := newHarness(t, withLimits(remoteConfig(), tc.limits))
					id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
					cs := fetches(h, id)
					if len(cs) != 1 {
						t.Fatalf("%d fetches, want 1", len(cs))
					}
					h.host.CallOnHttpCallResponse(cs[0].CalloutID, [][2]string{{":status", "200"}}, nil, body)
					if s, f := h.counter("jwtguard.jwks.fetch_success"), h.counter("jwtguard.jwks.fetch_failure"); s != tc.success || f != tc.failure {
						t.Fatalf("fetch success/failure %d/%d, want %d/%d", s, f, tc.success, tc.failure)
					}
				})
			}
		}},
		fieldCase{field: l + "max_pending_requests", run: func(t *testing.T) {
			for _, tc := range []struct {
				limits string
				second uint32 // the second held request's answer: 0 still held
			}{{"", 0}, {`{"max_pending_requests": 1}`, 503}} {
				t.Run(tc.limits, func(t *testing.T) {
					h := newHarness(t, withLimits(remoteConfig(), tc.limits))
					if _, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil))); action != types.ActionPause {
						t.Fatalf("first request not held: %v", action)
					}
					id, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, map[string]any{"jti": "2"})))
					r := h.reply(id)
					switch {
					case tc.second == 0 && (action != types.ActionPause || r != nil):
						t.Fatalf("second request not held: %v %+v", action, r)
					case tc.second != 0 && (r == nil || r.status != tc.second || r.body["reason"] != "too_many_pending"):
						t.Fatalf("second request: %v %+v, want %d too_many_pending", action, r, tc.second)
					}
				})
			}
		}},
		fieldCase{field: l + "pending_timeout", run: func(t *testing.T) {
			for _, tc := range []struct {
				limits string
				status uint32 // after 2 s without keys: 0 still held
			}{{"", 0}, {`{"pending_timeout": "1s"}`, 503}} {
				t.Run(tc.limits, func(t *testing.T) {
					h := newHarness(t, withLimits(remoteConfig(), tc.limits))
					id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
					h.clock.advance(2 * time.Second)
					h.host.Tick()
					r := h.reply(id)
					switch {
					case tc.status == 0 && r != nil:
						t.Fatalf("answered before pending_timeout: %+v", r)
					case tc.status != 0 && (r == nil || r.status != tc.status):
						t.Fatalf("%+v, want %d after pending_timeout", r, tc.status)
					}
				})
			}
		}},
	)
}
