package filter

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tidwall/gjson"
)

func TestRenderClaimHeader(t *testing.T) {
	long := `"` + strings.Repeat("a", maxClaimHeaderBytes+1) + `"`
	tests := []struct {
		name, json, want string
		ok, refused      bool
	}{
		{"string", `"alice"`, "alice", true, false},
		{"unicode string", `"Zoë"`, "Zoë", true, false},
		{"integer", `42`, "42", true, false},
		{"number as written", `1.5e3`, "1.5e3", true, false},
		{"negative", `-7`, "-7", true, false},
		{"true", `true`, "true", true, false},
		{"false", `false`, "false", true, false},
		{"null sets nothing", `null`, "", false, false},
		{"array of strings", `["a", "b"]`, "a,b", true, false},
		{"array of mixed scalars", `["a", 1, true]`, "a,1,true", true, false},
		{"empty array sets nothing", `[]`, "", false, false},
		{"array element with a comma", `["admin,x", "b"]`, "", false, true},
		{"nested array", `[["a"]]`, "", false, true},
		{"array of objects", `[{"a":1}]`, "", false, true},
		{"array with null", `["a", null]`, "", false, true},
		{"object, compact JSON", "{ \"a\" : [1, 2],\n \"b\": \"x y\" }", `{"a":[1,2],"b":"x y"}`, true, false},
		{"object with an escaped quote", `{"a": "say \"hi\" "}`, `{"a":"say \"hi\" "}`, true, false},
		{"string with a newline", "\"a\\nb\"", "", false, true},
		{"string with a tab", "\"a\\tb\"", "", false, true},
		{"string with DEL", "\"a\\u007fb\"", "", false, true},
		{"empty string sets nothing", `""`, "", false, false},
		{"too long", long, "", false, true},
		{"array too long", `[` + long[:len(long)-1] + `", "b"]`, "", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, refused := renderClaimHeader(gjson.Parse(tc.json))
			if got != tc.want || ok != tc.ok || refused != tc.refused {
				t.Fatalf("got (%q, %v, %v), want (%q, %v, %v)", got, ok, refused, tc.want, tc.ok, tc.refused)
			}
		})
	}
}

// TestClaimHeadersEachJSONType: through the request path, each claim type reaches its header
// as rendered, refused values are not sent and are counted on every request (cache hits too),
// and the client's copies are gone either way.
func TestClaimHeadersEachJSONType(t *testing.T) {
	headers := `"claims_to_headers": [
        {"claim": "sub", "header": "x-sub"}, {"claim": "n", "header": "x-n"}, {"claim": "admin", "header": "x-admin"},
        {"claim": "groups", "header": "x-groups"}, {"claim": "addr", "header": "x-addr"},
        {"claim": "bad", "header": "x-bad"}, {"claim": "ambiguous", "header": "x-ambiguous"}, {"claim": "none", "header": "x-none"}]`
	cfg := strings.Replace(localConfig(t, ""), `"claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}]`, headers, 1)
	h := newHarness(t, cfg)
	tok := h.token(testKeys.RSA, map[string]any{
		"n": 12.5, "admin": false, "groups": []any{"eng", "ops", 7}, "addr": map[string]any{"country": "NL"},
		"bad": "line1\nline2", "ambiguous": []string{"admin,root"}, "none": nil,
	})
	want := map[string]string{"x-sub": "alice", "x-n": "12.5", "x-admin": "false", "x-groups": "eng,ops,7", "x-addr": `{"country":"NL"}`}
	for i, pass := range []string{"verified", "cache hit"} {
		t.Run(pass, func(t *testing.T) {
			spoofed := [][2]string{bearer(tok), {"x-bad", "spoof"}, {"x-ambiguous", "spoof"}, {"x-none", "spoof"}, {"x-sub", "mallory"}}
			id, action := h.request("GET", "/api/x", spoofed...)
			if action != types.ActionContinue {
				t.Fatalf("action %v, reply %+v", action, h.reply(id))
			}
			got := map[string]string{}
			for _, kv := range h.host.GetCurrentRequestHeaders(id) {
				if strings.HasPrefix(kv[0], "x-") {
					got[kv[0]] = kv[1]
				}
			}
			if len(got) != len(want) {
				t.Errorf("headers %q, want %q", got, want)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if c := h.counter("jwtguard.claim_header_refused.provider.corp"); c != uint64(2*(i+1)) {
				t.Errorf("refused counter %d, want %d", c, 2*(i+1))
			}
		})
	}
}

// TestNestedClaimHeadersEachJSONType: claim paths reach into objects (Keycloak's
// realm_access.roles and resource_access.<client>.roles, Auth0's namespaced claims) and every
// JSON type found there is rendered as at the top level; a member named twice in a nested
// object is refused like a value that cannot be a header, and claims_to_log keys each claim
// by its path.
func TestNestedClaimHeadersEachJSONType(t *testing.T) {
	headers := `"claims_to_log": ["realm_access.roles", ["https://example.com/roles"], "dup.x"],
      "claims_to_headers": [
        {"claim": "realm_access.roles", "header": "x-realm-roles"},
        {"claim": "resource_access.orders-api.roles", "header": "x-client-roles"},
        {"claim": ["https://example.com/roles"], "header": "x-auth0-roles"},
        {"claim": "o.s", "header": "x-s"}, {"claim": "o.n", "header": "x-n"}, {"claim": "o.t", "header": "x-t"},
        {"claim": "o.f", "header": "x-f"}, {"claim": "o.obj", "header": "x-obj"}, {"claim": "o.nul", "header": "x-nul"},
        {"claim": "o.arr", "header": "x-arr"}, {"claim": "o.bad", "header": "x-bad"},
        {"claim": "dup.x", "header": "x-dup"}, {"claim": "o.missing", "header": "x-missing"},
        {"claim": "sub.x", "header": "x-into-string"}]`
	cfg := strings.Replace(localConfig(t, ""), `"claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}]`, headers, 1)
	h := newHarness(t, cfg)
	claims := h.claims(map[string]any{
		"realm_access":              map[string]any{"roles": []string{"admin", "user"}},
		"resource_access":           map[string]any{"orders-api": map[string]any{"roles": []string{"reader"}}},
		"https://example.com/roles": []string{"editor"},
		"o": map[string]any{"s": "x y", "n": 1e3, "t": true, "f": false, "obj": map[string]any{"k": []int{1, 2}},
			"nul": nil, "arr": []any{"a", 2, false}, "bad": []any{[]string{"nested"}}},
	})
	// A nested duplicate member cannot be written with a Go map: build the payload by hand.
	payload, _ := json.Marshal(claims)
	payload = append(payload[:len(payload)-1], `,"dup":{"x":"a","x":"b"}}`...)
	tok, err := testKeys.RSA.SignRaw([]byte(`{"alg":"RS256","kid":"rsa-1","typ":"JWT"}`), payload)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"x-realm-roles": "admin,user", "x-client-roles": "reader", "x-auth0-roles": "editor",
		"x-s": "x y", "x-n": "1000", "x-t": "true", "x-f": "false", "x-obj": `{"k":[1,2]}`, "x-arr": "a,2,false"}
	spoofed := [][2]string{bearer(tok), {"x-dup", "spoof"}, {"x-nul", "spoof"}, {"x-missing", "spoof"}, {"x-realm-roles", "root"}}
	id, action := h.request("GET", "/api/x", spoofed...)
	if action != types.ActionContinue {
		t.Fatalf("action %v, reply %+v", action, h.reply(id))
	}
	got := map[string]string{}
	for _, kv := range h.host.GetCurrentRequestHeaders(id) {
		if strings.HasPrefix(kv[0], "x-") {
			got[kv[0]] = kv[1]
		}
	}
	if len(got) != len(want) {
		t.Errorf("headers %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// o.bad (an array holding an array) and dup.x (named twice) are refused.
	if c := h.counter("jwtguard.claim_header_refused.provider.corp"); c != 2 {
		t.Errorf("refused counter %d, want 2", c)
	}
	if got, want := h.property(propClaims), `{"realm_access.roles":["admin","user"],"[\"https://example.com/roles\"]":["editor"]}`; got != want {
		t.Errorf("%s = %s, want %s", propClaims, got, want)
	}
}
