package filter

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func init() {
	fieldCases = append(fieldCases, fieldCase{field: "providers.<name>.forward_payload_header", run: func(t *testing.T) {
		h := newHarness(t, localConfig(t, `, "forward_payload_header": "x-jwt-payload"`))
		tok := h.token(testKeys.RSA, nil)
		id, _ := h.request("GET", "/api/x", bearer(tok))
		if v, _ := header(h.host.GetCurrentRequestHeaders(id), "x-jwt-payload"); v != strings.Split(tok, ".")[1] {
			t.Fatalf("x-jwt-payload %q, want the token's payload segment", v)
		}
	}})
}

// TestForwardPayloadHeader: the payload goes upstream as the token carries it (base64url, no
// padding), on a verification and on a cache hit, and a client's own copy never does.
func TestForwardPayloadHeader(t *testing.T) {
	h := newHarness(t, localConfig(t, `, "forward_payload_header": "x-jwt-payload"`))
	// An odd-length payload, whose standard base64 would need padding.
	tok := h.token(testKeys.EC, map[string]any{"sub": "bob", "pad": "x"})
	spoof := [2]string{"x-jwt-payload", base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`))}
	for _, pass := range []string{"verified", "cache hit"} {
		t.Run(pass, func(t *testing.T) {
			id, action := h.request("GET", "/api/x", bearer(tok), spoof)
			if action != types.ActionContinue {
				t.Fatalf("action %v, reply %+v", action, h.reply(id))
			}
			var got []string
			for _, kv := range h.host.GetCurrentRequestHeaders(id) {
				if kv[0] == "x-jwt-payload" {
					got = append(got, kv[1])
				}
			}
			if len(got) != 1 || strings.ContainsAny(got[0], "=+/") {
				t.Fatalf("x-jwt-payload headers %q, want one base64url value without padding", got)
			}
			raw, err := base64.RawURLEncoding.DecodeString(got[0])
			if err != nil {
				t.Fatal(err)
			}
			var claims map[string]any
			if err := json.Unmarshal(raw, &claims); err != nil || claims["sub"] != "bob" {
				t.Fatalf("payload %s (%v), want the token's claims", raw, err)
			}
		})
	}
	if h.counter("jwtguard.cache.hit") != 1 {
		t.Fatalf("cache hits %d, want 1", h.counter("jwtguard.cache.hit"))
	}
	for _, tc := range []struct{ name, path string }{{"open route", "/healthz"}, {"refused request", "/api/x"}} {
		t.Run("spoofed copy removed on "+tc.name, func(t *testing.T) {
			id, _ := h.request("GET", tc.path, spoof)
			if _, ok := header(h.host.GetCurrentRequestHeaders(id), "x-jwt-payload"); ok {
				t.Fatal("the client's x-jwt-payload reached the upstream")
			}
		})
	}
}

func TestPayloadSpanOf(t *testing.T) {
	for _, tok := range []string{"a.b.c", "aa.bbbb.", "x..y"} {
		parts := strings.Split(tok, ".")
		if got := payloadSpanOf(tok).of(tok); got != parts[1] {
			t.Errorf("%q: got %q, want %q", tok, got, parts[1])
		}
	}
}
