package filter

import (
	"strings"
	"testing"
)

func init() {
	fieldCases = append(fieldCases, fieldCase{field: "providers.<name>.claims_to_log", run: func(t *testing.T) {
		for _, tc := range []struct{ extra, want string }{
			{"", ""},
			{`, "claims_to_log": ["sub", "scope", "absent"]`, `{"sub":"alice","scope":"orders:read profile"}`},
			{`, "claims_to_log": ["iat", "groups", "addr", "nothing"]`, `{"iat":1799999990,"groups":["a","b\"c"],"addr":{"c":"NL"}}`},
		} {
			t.Run(tc.extra, func(t *testing.T) {
				h := newHarness(t, localConfig(t, tc.extra))
				h.request("GET", "/api/x", bearer(h.token(testKeys.RSA, map[string]any{
					"groups": []string{"a", `b"c`}, "addr": map[string]any{"c": "NL"}, "nothing": nil})))
				if got := h.property(propClaims); got != tc.want {
					t.Fatalf("%s = %q, want %q", propClaims, got, tc.want)
				}
			})
		}
	}})
}

// property reads a property the plugin set ("" when unset). proxytest keeps properties per
// host, not per stream, so a test reads them right after the request that set them.
func (h *harness) property(name string) string {
	v, err := h.host.GetProperty([]string{name})
	if err != nil {
		return ""
	}
	return string(v)
}

// TestDecisionProperties: every request the plugin decides on leaves its outcome, and the
// provider once one judged the token, in the stream's filter state; never the token.
func TestDecisionProperties(t *testing.T) {
	tests := []struct {
		name, path        string
		token             func(h *harness) string // "" sends no Authorization
		outcome, provider string
	}{
		{"open route", "/healthz", nil, "allowed_open_route", ""},
		{"no matching rule", "/nowhere", nil, "no_matching_rule", ""},
		{"missing token", "/api/x", nil, "missing_token", ""},
		{"allowed", "/api/x", func(h *harness) string { return h.token(testKeys.RSA, nil) }, "allowed", "corp"},
		{"expired", "/api/x", func(h *harness) string {
			return h.token(testKeys.RSA, map[string]any{"exp": h.clock.now().Unix() - 3600})
		},
			"token_expired", "corp"},
		{"unknown issuer", "/api/x", func(h *harness) string { return h.token(testKeys.RSA, map[string]any{"iss": "https://other/"}) },
			"unknown_issuer", ""},
		{"insufficient scope", "/admin/x", func(h *harness) string { return h.token(testKeys.RSA, nil) }, "insufficient_scope", "corp"},
		{"malformed token", "/api/x", func(*harness) string { return "a.b.c" }, "bad_base64", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, localConfig(t, `, "claims_to_log": ["sub"]`))
			var headers [][2]string
			tok := ""
			if tc.token != nil {
				tok = tc.token(h)
				headers = append(headers, bearer(tok))
			}
			h.request("GET", tc.path, headers...)
			if got := h.property(propOutcome); got != tc.outcome {
				t.Errorf("outcome %q, want %q", got, tc.outcome)
			}
			if got := h.property(propProvider); got != tc.provider {
				t.Errorf("provider %q, want %q", got, tc.provider)
			}
			wantClaims := ""
			if tc.outcome == "allowed" {
				wantClaims = `{"sub":"alice"}`
			}
			if got := h.property(propClaims); got != wantClaims {
				t.Errorf("claims %q, want %q", got, wantClaims)
			}
			for _, p := range []string{propOutcome, propProvider, propClaims} {
				if v := h.property(p); tok != "" && (strings.Contains(v, tok) || strings.Contains(tok, v) && len(v) > 8) {
					t.Errorf("%s holds part of the token: %q", p, v)
				}
			}
		})
	}
}

// TestDecisionPropertiesOnACacheHit: the cached entry carries the claims to log.
func TestDecisionPropertiesOnACacheHit(t *testing.T) {
	h := newHarness(t, localConfig(t, `, "claims_to_log": ["sub"]`))
	tok := h.token(testKeys.RSA, map[string]any{"sub": "carol"})
	h.request("GET", "/api/x", bearer(tok))
	if err := h.host.SetProperty([]string{propClaims}, []byte("stale")); err != nil {
		t.Fatal(err)
	}
	h.request("GET", "/api/x", bearer(tok))
	if h.counter("jwtguard.cache.hit") != 1 || h.property(propClaims) != `{"sub":"carol"}` {
		t.Fatalf("cache hits %d, claims %q", h.counter("jwtguard.cache.hit"), h.property(propClaims))
	}
}
