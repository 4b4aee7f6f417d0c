package filter

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// policyConfig is provider corp (the test keys, local) with extra provider members and the
// given rules.
func policyConfig(extraProvider, rules string) string {
	return `{"providers": {"corp": {"issuer": "` + testIssuer + `", "audiences": ["` + testAudience + `"],
      "local_jwks": ` + string(mint.JWKS(testKeys.RSA, testKeys.EC)) + `,
      "claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}]` + extraProvider + `}},
  "rules": [` + rules + `]}`
}

// expect sends method+path with headers and checks the answer: 200 means the request went
// upstream; otherwise the local reply's status and reason.
func (h *harness) expect(t *testing.T, method, path string, status int, reason string, headers ...[2]string) uint32 {
	t.Helper()
	id, action := h.request(method, path, headers...)
	r := h.reply(id)
	if status == 200 {
		if action != types.ActionContinue || r != nil {
			t.Fatalf("want the request upstream, got action %v, reply %+v", action, r)
		}
		return id
	}
	if r == nil {
		t.Fatalf("want %d %s, the request went upstream", status, reason)
	}
	if int(r.status) != status || r.body["reason"] != reason {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body["reason"], status, reason)
	}
	return id
}

// conditionCase is one token against one rule's conditions.
type conditionCase struct {
	name   string
	rule   string         // the require member's claims/any_claims
	claims map[string]any // overrides of the harness's valid claims
	status int            // 200 or 403
}

func runConditionCases(t *testing.T, cases []conditionCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, policyConfig("", `{"match": {"prefix": "/"}, "require": {`+tc.rule+`}}`))
			tok := h.token(testKeys.RSA, tc.claims)
			reason := ""
			if tc.status == 403 {
				reason = "claim_condition_failed"
			}
			// Twice: verified, then from the cache (which keeps the conditions' results).
			h.expect(t, "GET", "/x", tc.status, reason, bearer(tok))
			h.expect(t, "GET", "/x", tc.status, reason, bearer(tok))
		})
	}
}

func init() {
	keycloak := map[string]any{"realm_access": map[string]any{"roles": []string{"user", "admin"}}}
	for _, fc := range []struct {
		field string
		cases []conditionCase
	}{
		{"claims", []conditionCase{
			{"all hold", `"claims": [{"claim": "sub", "equals": "alice"}, {"claim": "realm_access.roles", "contains": "admin"}]`, keycloak, 200},
			{"one fails", `"claims": [{"claim": "sub", "equals": "alice"}, {"claim": "realm_access.roles", "contains": "root"}]`, keycloak, 403},
		}},
		{"any_claims", []conditionCase{
			{"one holds", `"any_claims": [{"claim": "sub", "equals": "bob"}, {"claim": "realm_access.roles", "contains": "admin"}]`, keycloak, 200},
			{"none holds", `"any_claims": [{"claim": "sub", "equals": "bob"}, {"claim": "realm_access.roles", "contains": "root"}]`, keycloak, 403},
			{"with claims, both must pass", `"claims": [{"claim": "sub", "equals": "bob"}], "any_claims": [{"claim": "sub", "equals": "alice"}]`, nil, 403},
		}},
		{"claims[].claim", []conditionCase{
			{"nested path", `"claims": [{"claim": "realm_access.roles", "contains": "admin"}]`, keycloak, 200},
			{"array form for a namespaced claim", `"claims": [{"claim": ["https://example.com/roles"], "contains": "admin"}]`,
				map[string]any{"https://example.com/roles": []string{"admin"}}, 200},
			{"the dotted form is another claim", `"claims": [{"claim": "https://example.com/roles", "contains": "admin"}]`,
				map[string]any{"https://example.com/roles": []string{"admin"}}, 403},
		}},
		{"claims[].equals", []conditionCase{
			{"string", `"claims": [{"claim": "sub", "equals": "alice"}]`, nil, 200},
			{"other string", `"claims": [{"claim": "sub", "equals": "bob"}]`, nil, 403},
			{"number", `"claims": [{"claim": "level", "equals": 3}]`, map[string]any{"level": 3}, 200},
			{"\"3\" is not 3", `"claims": [{"claim": "level", "equals": 3}]`, map[string]any{"level": "3"}, 403},
			{"boolean", `"claims": [{"claim": "email_verified", "equals": true}]`, map[string]any{"email_verified": true}, 200},
			{"\"true\" is not true", `"claims": [{"claim": "email_verified", "equals": true}]`, map[string]any{"email_verified": "true"}, 403},
			{"missing", `"claims": [{"claim": "email_verified", "equals": true}]`, nil, 403},
		}},
		{"claims[].one_of", []conditionCase{
			{"one of them", `"claims": [{"claim": "tier", "one_of": ["gold", "silver"]}]`, map[string]any{"tier": "silver"}, 200},
			{"none of them", `"claims": [{"claim": "tier", "one_of": ["gold", "silver"]}]`, map[string]any{"tier": "bronze"}, 403},
			{"an array is not one value", `"claims": [{"claim": "tier", "one_of": ["gold"]}]`, map[string]any{"tier": []string{"gold"}}, 403},
		}},
		{"claims[].contains", []conditionCase{
			{"array element", `"claims": [{"claim": "groups", "contains": "eng"}]`, map[string]any{"groups": []string{"ops", "eng"}}, 200},
			{"word of a string", `"claims": [{"claim": "scope", "contains": "profile"}]`, nil, 200},
			{"not a word", `"claims": [{"claim": "scope", "contains": "prof"}]`, nil, 403},
			{"\"admins\" does not contain admin", `"claims": [{"claim": "role", "contains": "admin"}]`, map[string]any{"role": "admins"}, 403},
			{"nested array", `"claims": [{"claim": "groups", "contains": "eng"}]`, map[string]any{"groups": []any{[]string{"eng"}}}, 403},
			{"number element", `"claims": [{"claim": "ids", "contains": 7}]`, map[string]any{"ids": []int{3, 7}}, 200},
			{"\"7\" is not 7", `"claims": [{"claim": "ids", "contains": 7}]`, map[string]any{"ids": []string{"7"}}, 403},
		}},
		{"claims[].contains_any", []conditionCase{
			{"one", `"claims": [{"claim": "groups", "contains_any": ["x", "eng"]}]`, map[string]any{"groups": []string{"eng"}}, 200},
			{"none", `"claims": [{"claim": "groups", "contains_any": ["x", "y"]}]`, map[string]any{"groups": []string{"eng"}}, 403},
		}},
		{"claims[].contains_all", []conditionCase{
			{"all", `"claims": [{"claim": "scope", "contains_all": ["orders:read", "profile"]}]`, nil, 200},
			{"one missing", `"claims": [{"claim": "scope", "contains_all": ["orders:read", "admin"]}]`, nil, 403},
		}},
		{"claims[].present", []conditionCase{
			{"present", `"claims": [{"claim": "tenant", "present": true}]`, map[string]any{"tenant": "t1"}, 200},
			{"absent", `"claims": [{"claim": "tenant", "present": true}]`, nil, 403},
			{"empty string is present", `"claims": [{"claim": "tenant", "present": true}]`, map[string]any{"tenant": ""}, 200},
		}},
		{"claims[].absent", []conditionCase{
			{"absent", `"claims": [{"claim": "act", "absent": true}]`, nil, 200},
			{"present", `"claims": [{"claim": "act", "absent": true}]`, map[string]any{"act": map[string]any{"sub": "admin"}}, 403},
		}},
	} {
		fc := fc
		fieldCases = append(fieldCases, fieldCase{field: "rules[].require." + fc.field, run: func(t *testing.T) { runConditionCases(t, fc.cases) }})
	}
}

// TestClaimConditionAnswer: the 403 follows the insufficient_scope conventions, with its own
// reason and counter, and says nothing about the token's claims or the values the route
// wanted.
func TestClaimConditionAnswer(t *testing.T) {
	h := newHarness(t, policyConfig("", `{"match": {"prefix": "/"}, "require": {"claims": [{"claim": "tenant", "equals": "secret-tenant"}]}}`))
	id := h.expect(t, "GET", "/x", 403, "claim_condition_failed", bearer(h.token(testKeys.RSA, map[string]any{"tenant": "other-tenant"})))
	r := h.reply(id)
	want := `Bearer realm="jwtguard", error="insufficient_scope", error_description="the token's claims do not meet this route's conditions"`
	if got := r.headers["www-authenticate"]; got != want {
		t.Errorf("WWW-Authenticate %q, want %q", got, want)
	}
	if r.body["error"] != "insufficient_scope" {
		t.Errorf("body error %q", r.body["error"])
	}
	raw := string(h.host.GetSentLocalResponse(id).Data)
	for _, leak := range []string{"tenant", "secret", "other", "alice"} {
		if strings.Contains(raw, leak) || strings.Contains(r.headers["www-authenticate"], leak) {
			t.Errorf("the answer mentions %q: %s", leak, raw)
		}
	}
	if c := h.counter("jwtguard.rejected.reason.claim_condition_failed.provider.corp"); c != 1 {
		t.Errorf("counter %d, want 1", c)
	}
	if got := h.property(propOutcome); got != "claim_condition_failed" {
		t.Errorf("outcome %q", got)
	}
}
