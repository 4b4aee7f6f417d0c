package filter

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// Rows of the documented-fields test for REFERENCE.md's top-level table (cors_preflight's row
// is in cors_test.go).
func init() {
	fieldCases = append(fieldCases,
		fieldCase{field: "providers", run: testTopProviders},
		fieldCase{field: "rules", run: testTopRules},
		fieldCase{field: "realm", run: testTopRealm},
		fieldCase{field: "limits", run: testTopLimits},
	)
}

// expectStatus sends one request and checks that it continues (status 0) or gets status.
func (h *harness) expectStatus(status uint32, method, path string, headers ...[2]string) *reply {
	h.t.Helper()
	id, action := h.request(method, path, headers...)
	r := h.reply(id)
	switch {
	case status == 0 && (action != types.ActionContinue || r != nil):
		h.t.Fatalf("%s %s: want the request to continue, got %v %+v", method, path, action, r)
	case status != 0 && (r == nil || r.status != status):
		h.t.Fatalf("%s %s: want %d, got %v %+v", method, path, status, action, r)
	}
	return r
}

// testTopProviders: a token is accepted only from an issuer some provider names.
func testTopProviders(t *testing.T) {
	partner := `,
    "partner": {"issuer": "https://partner.example/", "audiences": ["` + testAudience + `"],
      "local_jwks": ` + string(mint.JWKS(testKeys.RSA)) + `}`
	for _, tc := range []struct {
		name   string
		extra  string
		status uint32
	}{{"one provider", "", 401}, {"with partner", partner, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := strings.Replace(localConfig(t, ""), "\n  },\n  \"rules\"", tc.extra+"\n  },\n  \"rules\"", 1)
			h := newHarness(t, cfg)
			tok := h.token(testKeys.RSA, map[string]any{"iss": "https://partner.example/"})
			if r := h.expectStatus(tc.status, "GET", "/api/x", bearer(tok)); r != nil && r.body["reason"] != "unknown_issuer" {
				t.Fatalf("reason %q, want unknown_issuer", r.body["reason"])
			}
		})
	}
}

// testTopRules: the rules decide which paths need what; a path no rule lists is refused.
func testTopRules(t *testing.T) {
	for _, tc := range []struct {
		name, rules string
		status      uint32
	}{
		{"api open", `[{"match": {"prefix": "/api"}}]`, 0},
		{"api not listed", `[{"match": {"prefix": "/healthz"}}]`, 403},
		{"api guarded", `[{"match": {"prefix": "/api"}, "require": {}}]`, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := localConfig(t, "")
			cfg = cfg[:strings.Index(cfg, `"rules": [`)] + `"rules": ` + tc.rules + "}"
			h := newHarness(t, cfg)
			h.expectStatus(tc.status, "GET", "/api/x")
		})
	}
}

// testTopRealm: the realm is the one of the WWW-Authenticate challenge.
func testTopRealm(t *testing.T) {
	for _, tc := range []struct{ setting, want string }{
		{"", `Bearer realm="jwtguard"`},
		{`"realm": "orders", `, `Bearer realm="orders"`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			h := newHarness(t, strings.Replace(localConfig(t, ""), `"rules": [`, tc.setting+`"rules": [`, 1))
			if r := h.expectStatus(401, "GET", "/api/x"); r.headers["www-authenticate"] != tc.want {
				t.Fatalf("WWW-Authenticate %q, want %q", r.headers["www-authenticate"], tc.want)
			}
		})
	}
}

// testTopLimits: limits bound what a VM accepts; here a token longer than max_token_bytes.
func testTopLimits(t *testing.T) {
	for _, tc := range []struct {
		name, setting string
		status        uint32
	}{
		{"defaults", "", 0},
		{"max_token_bytes 512", `"limits": {"max_token_bytes": 512}, `, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, strings.Replace(localConfig(t, ""), `"rules": [`, tc.setting+`"rules": [`, 1))
			tok := h.token(testKeys.RSA, map[string]any{"pad": strings.Repeat("x", 600)})
			if r := h.expectStatus(tc.status, "GET", "/api/x", bearer(tok)); r != nil && r.body["reason"] != "token_too_large" {
				t.Fatalf("reason %q, want token_too_large", r.body["reason"])
			}
		})
	}
}
