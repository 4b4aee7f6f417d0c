package filter

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// Rows of the documented-fields test for REFERENCE.md's main providers.<name> table: each
// field is set away from its default (or left at it) and the same request gets a different
// answer.

// variant is one configuration and one request; status 0 means the request continues,
// statusHeld that it is held (paused, no reply yet).
type variant struct {
	name   string
	config func(t *testing.T) string
	send   func(h *harness) (uint32, types.Action)
	status uint32
	reason string
	check  func(t *testing.T, h *harness, id uint32)
}

const statusHeld = 1

func runVariants(vs ...variant) func(t *testing.T) {
	return func(t *testing.T) {
		for _, v := range vs {
			t.Run(v.name, func(t *testing.T) {
				h := newHarness(t, v.config(t))
				id, action := v.send(h)
				r := h.reply(id)
				switch {
				case v.status == 0 && (action != types.ActionContinue || r != nil):
					t.Fatalf("want the request to continue, got %v %+v", action, r)
				case v.status == statusHeld && (action != types.ActionPause || r != nil):
					t.Fatalf("want the request held, got %v %+v", action, r)
				case v.status > statusHeld && (r == nil || r.status != v.status || v.reason != "" && r.body["reason"] != v.reason):
					t.Fatalf("want %d %s, got %v %+v", v.status, v.reason, action, r)
				}
				if v.check != nil {
					v.check(t, h, id)
				}
			})
		}
	}
}

// edited is localConfig with extra provider members and replacements (old, new pairs).
func edited(extra string, replace ...string) func(t *testing.T) string {
	return func(t *testing.T) string {
		cfg := localConfig(t, extra)
		for i := 0; i+1 < len(replace); i += 2 {
			if !strings.Contains(cfg, replace[i]) {
				t.Fatalf("localConfig has no %q", replace[i])
			}
			cfg = strings.Replace(cfg, replace[i], replace[i+1], 1)
		}
		return cfg
	}
}

// get sends GET path with a token made by tok and the extra headers.
func get(path string, tok func(h *harness) string, extra ...[2]string) func(h *harness) (uint32, types.Action) {
	return func(h *harness) (uint32, types.Action) {
		hs := extra
		if tok != nil {
			hs = append([][2]string{bearer(tok(h))}, extra...)
		}
		return h.request("GET", path, hs...)
	}
}

func signed(overrides map[string]any) func(h *harness) string {
	return func(h *harness) string { return h.token(testKeys.RSA, overrides) }
}

func requestHeader(h *harness, id uint32, name string) (string, bool) {
	return header(h.host.GetCurrentRequestHeaders(id), name)
}

func init() {
	p := "providers.<name>."
	valid := signed(nil)
	fieldCases = append(fieldCases,
		fieldCase{field: p + "issuer", run: runVariants(
			variant{name: "token's iss", config: edited(""), send: get("/api/x", valid)},
			variant{name: "another issuer", config: edited("", `"issuer": "`+testIssuer, `"issuer": "https://other.example/`), send: get("/api/x", valid), status: 401, reason: "unknown_issuer"},
		)},
		fieldCase{field: p + "audiences", run: runVariants(
			variant{name: "checked", config: edited(""), send: get("/api/x", signed(map[string]any{"aud": "other-api"})), status: 401, reason: "wrong_audience"},
			variant{name: "not checked", config: edited("", `"audiences": ["`+testAudience+`"],`, ""), send: get("/api/x", signed(map[string]any{"aud": "other-api"}))},
		)},
		fieldCase{field: p + "remote_jwks", run: runVariants(
			variant{name: "local keys only: verified at once", config: edited(""), send: get("/api/x", valid)},
			variant{name: "remote keys: held until the first fetch", config: func(*testing.T) string { return remoteConfig() }, send: get("/api/x", valid), status: statusHeld,
				check: func(t *testing.T, h *harness, id uint32) {
					if n := len(h.host.GetCalloutAttributesFromContext(0)) + len(h.host.GetCalloutAttributesFromContext(id)); n == 0 {
						t.Error("no JWKS fetch was dispatched")
					}
				}},
		)},
		fieldCase{field: p + "discovery", run: runVariants(
			variant{name: "absent: local keys verify at once", config: edited(""), send: get("/api/x", valid)},
			variant{name: "present: held while the discovery document is fetched", config: func(*testing.T) string { return discoveryConfig("") }, send: get("/api/x", valid), status: statusHeld,
				check: func(t *testing.T, h *harness, id uint32) {
					c, _ := h.lastCallout(id)
					requireCallout(t, c, discoveryCluster, "idp.example.com", "/.well-known/openid-configuration")
				}},
		)},
		fieldCase{field: p + "revocation", run: runVariants(
			variant{name: "absent: a token is valid until it expires", config: edited(""), send: get("/api/x", signed(map[string]any{"jti": "lost-laptop"}))},
			variant{name: "static entry revokes its jti", config: edited(`, "revocation": {"static": {"version": 1, "jti": [{"jti": "lost-laptop", "expires": 4102444800}]}}`),
				send: get("/api/x", signed(map[string]any{"jti": "lost-laptop"})), status: 401, reason: "token_revoked"},
		)},
		fieldCase{field: p + "local_jwks", run: runVariants(
			variant{name: "both keys", config: edited(""), send: get("/api/x", valid)},
			variant{name: "EC key only", config: edited("", string(mint.JWKS(testKeys.RSA, testKeys.EC)), string(mint.JWKS(testKeys.EC))), send: get("/api/x", valid), status: 401, reason: "unknown_kid"},
		)},
		fieldCase{field: p + "algorithms", run: runVariants(
			variant{name: "default", config: edited(""), send: get("/api/x", valid)},
			variant{name: "ES256 only", config: edited(`, "algorithms": ["ES256"]`), send: get("/api/x", valid), status: 401, reason: "alg_not_allowed"},
		)},
		fieldCase{field: p + "from_headers", run: runVariants(
			variant{name: "default: Authorization", config: edited(""), send: func(h *harness) (uint32, types.Action) {
				return h.request("GET", "/api/x", [2]string{"x-token", valid(h)})
			}, status: 401, reason: "missing_token"},
			variant{name: "x-token", config: edited(`, "from_headers": [{"name": "x-token"}]`), send: func(h *harness) (uint32, types.Action) {
				return h.request("GET", "/api/x", [2]string{"x-token", valid(h)})
			}},
		)},
		fieldCase{field: p + "from_params", run: runVariants(
			variant{name: "access_token", config: edited(""), send: func(h *harness) (uint32, types.Action) { return h.request("GET", "/api/x?access_token="+valid(h)) }},
			variant{name: "none", config: edited("", `"from_params": ["access_token"],`, ""), send: func(h *harness) (uint32, types.Action) { return h.request("GET", "/api/x?access_token="+valid(h)) },
				status: 401, reason: "missing_token"},
		)},
		fieldCase{field: p + "scope_claims", run: runVariants(
			variant{name: "default", config: edited(""), send: get("/admin/x", signed(map[string]any{"perms": "admin"})), status: 403, reason: "insufficient_scope"},
			variant{name: "perms", config: edited(`, "scope_claims": ["perms"]`), send: get("/admin/x", signed(map[string]any{"perms": "admin"}))},
		)},
		fieldCase{field: p + "forward", run: runVariants(
			variant{name: "default: removed", config: edited(""), send: get("/api/x", valid), check: func(t *testing.T, h *harness, id uint32) {
				if _, ok := requestHeader(h, id, "authorization"); ok {
					t.Error("the token went upstream")
				}
			}},
			variant{name: "true: kept", config: edited(`, "forward": true`), send: get("/api/x", valid), check: func(t *testing.T, h *harness, id uint32) {
				if _, ok := requestHeader(h, id, "authorization"); !ok {
					t.Error("the token did not go upstream")
				}
			}},
		)},
		fieldCase{field: p + "claims_to_headers", run: runVariants(
			variant{name: "sub to x-jwt-sub", config: edited(""), send: get("/api/x", valid), check: func(t *testing.T, h *harness, id uint32) {
				if v, _ := requestHeader(h, id, "x-jwt-sub"); v != "alice" {
					t.Errorf("x-jwt-sub = %q, want alice", v)
				}
			}},
			variant{name: "none", config: edited("", `,
      "claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}]`, ""), send: get("/api/x", valid), check: func(t *testing.T, h *harness, id uint32) {
				if v, ok := requestHeader(h, id, "x-jwt-sub"); ok {
					t.Errorf("x-jwt-sub = %q, want none", v)
				}
			}},
		)},
		fieldCase{field: p + "clock_skew", run: runVariants(
			variant{name: "default 60s", config: edited(""), send: func(h *harness) (uint32, types.Action) {
				return h.request("GET", "/api/x", bearer(h.token(testKeys.RSA, map[string]any{"exp": h.clock.now().Unix() - 30})))
			}},
			variant{name: "0s", config: edited(`, "clock_skew": "0s"`), send: func(h *harness) (uint32, types.Action) {
				return h.request("GET", "/api/x", bearer(h.token(testKeys.RSA, map[string]any{"exp": h.clock.now().Unix() - 30})))
			}, status: 401, reason: "token_expired"},
		)},
		fieldCase{field: p + "require_expiration", run: runVariants(
			variant{name: "default true", config: edited(""), send: get("/api/x", signed(map[string]any{"exp": nil})), status: 401, reason: "missing_exp"},
			variant{name: "false", config: edited(`, "require_expiration": false`), send: get("/api/x", signed(map[string]any{"exp": nil}))},
		)},
		fieldCase{field: p + "typ", run: runVariants(
			variant{name: "not checked", config: edited(""), send: get("/api/x", valid)},
			variant{name: "at+jwt, token typ JWT", config: edited(`, "typ": "at+jwt"`), send: get("/api/x", valid), status: 401, reason: "wrong_type"},
			variant{name: "at+jwt, token typ at+jwt", config: edited(`, "typ": "at+jwt"`), send: get("/api/x", func(h *harness) string {
				tok, err := testKeys.RSA.Sign(h.claims(nil), map[string]any{"typ": "at+jwt"})
				if err != nil {
					h.t.Fatal(err)
				}
				return tok
			})},
		)},
	)
}
