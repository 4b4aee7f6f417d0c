package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// TestPluginThroughTheBinding runs the real plugin (.wasm) through the binding: configuration
// refused with the field named, a request without a token, a valid one, and a request held
// for the first JWKS fetch and resumed from the http-call callback.
func TestPluginThroughTheBinding(t *testing.T) {
	for _, build := range []struct{ name, env string }{{"installed Go", "JWTGUARD_WASM"}, {"Go 1.24", "JWTGUARD_WASM_GO124"}} {
		t.Run(build.name, func(t *testing.T) {
			if build.env == "JWTGUARD_WASM_GO124" && os.Getenv(build.env) == "" {
				t.Skip("JWTGUARD_WASM_GO124 not set: make test builds the plugin with Go 1.24 and sets it")
			}
			testPluginThroughTheBinding(t, wasmPath(t, build.env, "."))
		})
	}
}

func testPluginThroughTheBinding(t *testing.T, wasm string) {
	key, err := mint.NewRSA("k1", 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	token, err := key.Sign(map[string]any{"iss": "https://idp/", "aud": "api", "sub": "alice",
		"exp": now.Add(time.Hour).Unix(), "scope": "read"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	provider := func(keys string) string {
		return `{"providers":{"idp":{"issuer":"https://idp/","audiences":["api"],` + keys +
			`,"claims_to_headers":[{"claim":"sub","header":"x-sub"}]}},` +
			`"rules":[{"match":{"prefix":"/open"}},{"match":{"prefix":"/"},"require":{"scopes":["read"]}}]}`
	}

	t.Run("invalid configuration fails configure naming the field", func(t *testing.T) {
		h := newABIHost(t, wasm)
		if len(h.initBad) > 0 {
			t.Fatalf("hostcalls during _initialize: %v", h.initBad)
		}
		_, ok := h.startPlugin([]byte(`{"providers":{"idp":{"issuer":"https://idp/","remote_jwks":{"cluster":"idp","authority":"idp","path":"/jwks","timeout":"0s"}}},"rules":[]}`))
		if ok != 0 {
			t.Fatal("configure accepted an invalid configuration")
		}
		if !strings.Contains(strings.Join(h.logs, "\n"), "providers.idp.remote_jwks.timeout") {
			t.Fatalf("logs do not name the field: %q", h.logs)
		}
	})

	t.Run("local keys: no token, valid token", func(t *testing.T) {
		h := newABIHost(t, wasm)
		if _, ok := h.startPlugin([]byte(provider(`"local_jwks":` + string(mint.JWKS(key))))); ok != 1 {
			t.Fatalf("configure failed: %q", h.logs)
		}
		h.request(2, [][2]string{{":method", "GET"}, {":path", "/orders"}})
		r := h.localReply
		if r == nil || r.status != 401 || r.details != "jwtguard_missing_token" {
			t.Fatalf("no token: %+v", r)
		}
		if !hasHeader(r.headers, "www-authenticate", `Bearer realm="jwtguard"`) {
			t.Fatalf("challenge headers %q", r.headers)
		}
		// The decision reaches the host through the binding's proxy_set_property.
		if got := h.properties["jwtguard_outcome"]; got != "missing_token" {
			t.Fatalf("jwtguard_outcome property %q", got)
		}
		h.finish(2)
		action := h.request(3, [][2]string{{":method", "GET"}, {":path", "/orders"}, {"authorization", "Bearer " + token}, {"x-sub", "mallory"}})
		if action != 0 || h.localReply != nil {
			t.Fatalf("valid token: action %d, reply %+v, logs %q", action, h.localReply, h.logs)
		}
		if _, ok := h.header("authorization"); ok {
			t.Fatal("the token reached the upstream")
		}
		if v, _ := h.header("x-sub"); v != "alice" {
			t.Fatalf("x-sub = %q", v)
		}
		if h.properties["jwtguard_outcome"] != "allowed" || h.properties["jwtguard_provider"] != "idp" {
			t.Fatalf("decision properties %q", h.properties)
		}
		h.finish(3)
		for _, l := range h.logs {
			if strings.Contains(l, token[:40]) {
				t.Fatalf("a log line contains the token: %q", l)
			}
		}
	})

	t.Run("remote keys: request held for the first fetch, then resumed", func(t *testing.T) {
		h := newABIHost(t, wasm)
		if _, ok := h.startPlugin([]byte(provider(`"remote_jwks":{"cluster":"idp","authority":"idp.example.com","path":"/jwks"}`))); ok != 1 {
			t.Fatalf("configure failed: %q", h.logs)
		}
		if action := h.request(2, [][2]string{{":method", "GET"}, {":path", "/orders"}, {"authorization", "Bearer " + token}}); action != 1 {
			t.Fatalf("action %d, want pause while keys are fetched", action)
		}
		if len(h.httpCalls) != 1 || h.httpCalls[0].cluster != "idp" || h.httpCalls[0].timeout != 5000 {
			t.Fatalf("http calls %+v", h.httpCalls)
		}
		h.respondToCall(h.httpCalls[0].token, [][2]string{{":status", "200"}}, mint.JWKS(key))
		if len(h.continued) != 1 || h.continued[0] != 2 {
			t.Fatalf("continued %v, want the held stream 2; reply %+v; logs %q", h.continued, h.localReply, h.logs)
		}
		if v, _ := h.header("x-sub"); v != "alice" {
			t.Fatalf("x-sub = %q", v)
		}
	})
}

func hasHeader(hs [][2]string, name, value string) bool {
	for _, kv := range hs {
		if kv[0] == name && kv[1] == value {
			return true
		}
	}
	return false
}
