package filter

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// Rows of the documented-fields test for REFERENCE.md's rules[] table, and for the entries of
// from_headers and claims_to_headers.

// withRules is localConfig with its rules replaced.
func withRules(rules string) func(t *testing.T) string {
	return func(t *testing.T) string {
		cfg := localConfig(t, "")
		i := indexOf(t, cfg, `"rules": [`)
		return cfg[:i] + `"rules": ` + rules + "}"
	}
}

func indexOf(t *testing.T, s, sub string) int {
	i := strings.Index(s, sub)
	if i < 0 {
		t.Fatalf("no %q", sub)
	}
	return i
}

func send(method, path string, tok func(h *harness) string) func(h *harness) (uint32, types.Action) {
	return func(h *harness) (uint32, types.Action) {
		if tok == nil {
			return h.request(method, path)
		}
		return h.request(method, path, bearer(tok(h)))
	}
}

func init() {
	r := "rules[]."
	valid := signed(nil)
	admin := signed(map[string]any{"scope": "admin"})
	fieldCases = append(fieldCases,
		fieldCase{field: r + "match", run: runVariants(
			variant{name: "matches", config: withRules(`[{"match": {"prefix": "/a"}}]`), send: send("GET", "/a", nil)},
			variant{name: "does not match", config: withRules(`[{"match": {"prefix": "/b"}}]`), send: send("GET", "/a", nil), status: 403, reason: "no_matching_rule"},
		)},
		fieldCase{field: r + "match.prefix", run: runVariants(
			variant{name: "a longer path", config: withRules(`[{"match": {"prefix": "/admin"}}]`), send: send("GET", "/administrators", nil)},
			variant{name: "another path", config: withRules(`[{"match": {"prefix": "/admin"}}]`), send: send("GET", "/adm", nil), status: 403},
		)},
		fieldCase{field: r + "match.path", run: runVariants(
			variant{name: "the path", config: withRules(`[{"match": {"path": "/admin"}}]`), send: send("GET", "/admin?x=1", nil)},
			variant{name: "a longer path", config: withRules(`[{"match": {"path": "/admin"}}]`), send: send("GET", "/admin/x", nil), status: 403},
		)},
		fieldCase{field: r + "match.regex", run: runVariants(
			variant{name: "whole path", config: withRules(`[{"match": {"regex": "/orders/[0-9]+"}}]`), send: send("GET", "/orders/42", nil)},
			variant{name: "anchored", config: withRules(`[{"match": {"regex": "/orders/[0-9]+"}}]`), send: send("GET", "/orders/42/x", nil), status: 403},
		)},
		fieldCase{field: r + "match.methods", run: runVariants(
			variant{name: "listed, any case", config: withRules(`[{"match": {"prefix": "/", "methods": ["POST"]}}]`), send: send("post", "/a", nil)},
			variant{name: "not listed", config: withRules(`[{"match": {"prefix": "/", "methods": ["POST"]}}]`), send: send("GET", "/a", nil), status: 403},
		)},
		fieldCase{field: r + "require", run: runVariants(
			variant{name: "absent: open", config: withRules(`[{"match": {"prefix": "/"}}]`), send: send("GET", "/a", nil)},
			variant{name: "present: a token is needed", config: withRules(`[{"match": {"prefix": "/"}, "require": {}}]`), send: send("GET", "/a", nil), status: 401, reason: "missing_token"},
		)},
		fieldCase{field: r + "require.providers", run: runVariants(
			variant{name: "corp", config: withRules(`[{"match": {"prefix": "/"}, "require": {"providers": ["corp"]}}]`), send: send("GET", "/a", valid)},
			variant{name: "another provider only", config: func(t *testing.T) string {
				cfg := edited("", "\n  },\n  \"rules\"", `,
    "partner": {"issuer": "https://partner.example/", "local_jwks": `+string(mint.JWKS(testKeys.EC))+`}
  },
  "rules"`)(t)
				i := indexOf(t, cfg, `"rules": [`)
				return cfg[:i] + `"rules": [{"match": {"prefix": "/"}, "require": {"providers": ["partner"]}}]}`
			}, send: send("GET", "/a", valid), status: 401, reason: "unknown_issuer"},
		)},
		fieldCase{field: r + "require.scopes", run: runVariants(
			variant{name: "all present", config: withRules(`[{"match": {"prefix": "/"}, "require": {"scopes": ["admin"]}}]`), send: send("GET", "/a", admin)},
			variant{name: "one missing", config: withRules(`[{"match": {"prefix": "/"}, "require": {"scopes": ["admin", "root"]}}]`), send: send("GET", "/a", admin), status: 403, reason: "insufficient_scope"},
		)},
		fieldCase{field: r + "require.any_scopes", run: runVariants(
			variant{name: "one of them", config: withRules(`[{"match": {"prefix": "/"}, "require": {"any_scopes": ["root", "admin"]}}]`), send: send("GET", "/a", admin)},
			variant{name: "none of them", config: withRules(`[{"match": {"prefix": "/"}, "require": {"any_scopes": ["root", "ops"]}}]`), send: send("GET", "/a", admin), status: 403, reason: "insufficient_scope"},
		)},
	)
}

func init() {
	fh, ch := "providers.<name>.from_headers[].", "providers.<name>.claims_to_headers[]."
	xToken := func(prefix string) func(h *harness) (uint32, types.Action) {
		return func(h *harness) (uint32, types.Action) {
			return h.request("GET", "/api/x", [2]string{"x-token", prefix + signed(nil)(h)})
		}
	}
	headerIs := func(name, want string) func(t *testing.T, h *harness, id uint32) {
		return func(t *testing.T, h *harness, id uint32) {
			if v, _ := requestHeader(h, id, name); v != want {
				t.Errorf("%s = %q, want %q", name, v, want)
			}
		}
	}
	claimHeader := `"claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}]`
	fieldCases = append(fieldCases,
		fieldCase{field: fh + "name", run: runVariants(
			variant{name: "x-token", config: edited(`, "from_headers": [{"name": "x-token"}]`), send: xToken("")},
			variant{name: "x-other", config: edited(`, "from_headers": [{"name": "x-other"}]`), send: xToken(""), status: 401, reason: "missing_token"},
		)},
		fieldCase{field: fh + "value_prefix", run: runVariants(
			variant{name: "Token prefix", config: edited(`, "from_headers": [{"name": "x-token", "value_prefix": "Token "}]`), send: xToken("Token ")},
			variant{name: "no prefix: the whole value", config: edited(`, "from_headers": [{"name": "x-token"}]`), send: xToken("Token "), status: 400, reason: "malformed_authorization"},
		)},
		fieldCase{field: ch + "claim", run: runVariants(
			variant{name: "sub", config: edited(""), send: get("/api/x", signed(nil)), check: headerIs("x-jwt-sub", "alice")},
			variant{name: "aud", config: edited("", claimHeader, `"claims_to_headers": [{"claim": "aud", "header": "x-jwt-sub"}]`),
				send: get("/api/x", signed(nil)), check: headerIs("x-jwt-sub", testAudience)},
		)},
		fieldCase{field: ch + "header", run: runVariants(
			variant{name: "x-jwt-sub", config: edited(""), send: get("/api/x", signed(nil)), check: headerIs("x-user", "")},
			variant{name: "x-user", config: edited("", claimHeader, `"claims_to_headers": [{"claim": "sub", "header": "x-user"}]`),
				send: get("/api/x", signed(nil)), check: headerIs("x-user", "alice")},
		)},
	)
}
