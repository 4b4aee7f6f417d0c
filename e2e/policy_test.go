package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/devproxy"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// TestPolicyOverHTTP: the compiled plugin in devproxy, over real HTTP, with one configuration
// that uses Keycloak-style nested roles (a scope claim path and claim conditions), a host
// rule and an optional-token rule, checked request by request: status, reason, and what the
// upstream received.
func TestPolicyOverHTTP(t *testing.T) {
	var mu sync.Mutex
	var seen http.Header // the last request the upstream received
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Header.Clone()
		mu.Unlock()
		w.WriteHeader(200)
	}))
	defer upstream.Close()

	plugin := `{"providers": {"keycloak": {"issuer": "` + e2eIssuer + `", "audiences": ["orders"],
      "local_jwks": ` + string(mint.JWKS(e2eKeys.RSA, e2eKeys.EC)) + `,
      "scope_claims": ["scope", "resource_access.orders-api.roles"],
      "claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}, {"claim": "realm_access.roles", "header": "x-roles"}],
      "subjects": [{"prefix": "user:"}], "max_lifetime": "1h"}},
  "rules": [
    {"match": {"prefix": "/", "hosts": ["status.example.com"]}},
    {"match": {"prefix": "/public/"}, "require": {"token": "allow_missing"}},
    {"match": {"prefix": "/admin/"}, "require": {"claims": [{"claim": "realm_access.roles", "contains": "admin"},
       {"claim": "email_verified", "equals": true}]}},
    {"match": {"prefix": "/orders/", "headers": [{"name": "x-tenant", "exact": "acme"}]}, "require": {"scopes": ["order-reader"]}},
    {"match": {"prefix": "/api/"}, "require": {}}
  ]}`
	cfg := demoConfig(t, upstream.URL, true)
	cfg.Listeners[0].Wasm.Configuration = []byte(plugin)
	p, logs := startProxy(t, cfg, devproxy.Options{Concurrency: 2, Profile: suiteProfile(t)})
	base := "http://" + p.Listeners[0].Addr().String()

	now := time.Now().Unix()
	kc := func(overrides map[string]any) string {
		c := map[string]any{"sub": "user:alice", "email_verified": true,
			"realm_access":    map[string]any{"roles": []string{"user", "admin"}},
			"resource_access": map[string]any{"orders-api": map[string]any{"roles": []string{"order-reader"}}}}
		for k, v := range overrides {
			c[k] = v
		}
		return tokenFor(t, e2eKeys.RSA, c)
	}
	user := kc(map[string]any{"realm_access": map[string]any{"roles": []string{"user"}}})
	tests := []struct {
		name    string
		host    string
		path    string
		headers [][2]string
		status  int
		reason  string
		roles   string // x-roles the upstream sees on 200 ("" → none)
	}{
		{"host rule: open for its host, no token", "status.example.com:8080", "/anything", nil, 200, "", ""},
		{"host rule: another host falls through", "api.example.com", "/anything", nil, 403, "no_matching_rule", ""},
		{"optional token: none", "api.example.com", "/public/x", nil, 200, "", ""},
		{"optional token: valid gives identity", "api.example.com", "/public/x", [][2]string{auth(user)}, 200, "", "user"},
		{"optional token: a present token must be valid", "api.example.com", "/public/x",
			[][2]string{auth(kc(map[string]any{"exp": now - 60}))}, 401, "token_expired", ""},
		{"nested realm role admin", "api.example.com", "/admin/x", [][2]string{auth(kc(nil))}, 200, "", "user,admin"},
		{"nested realm role missing", "api.example.com", "/admin/x", [][2]string{auth(user)}, 403, "claim_condition_failed", ""},
		{"email_verified \"true\" is not true", "api.example.com", "/admin/x",
			[][2]string{auth(kc(map[string]any{"email_verified": "true"}))}, 403, "claim_condition_failed", ""},
		{"roles as a string \"admins\"", "api.example.com", "/admin/x",
			[][2]string{auth(kc(map[string]any{"realm_access": map[string]any{"roles": "admins"}}))}, 403, "claim_condition_failed", ""},
		{"client role as a scope, header rule", "api.example.com", "/orders/1", [][2]string{auth(kc(nil)), {"x-tenant", "acme"}}, 200, "", "user,admin"},
		{"client role missing", "api.example.com", "/orders/1",
			[][2]string{auth(kc(map[string]any{"resource_access": map[string]any{}})), {"x-tenant", "acme"}}, 403, "insufficient_scope", ""},
		{"header rule: repeated header", "api.example.com", "/orders/1",
			[][2]string{auth(kc(nil)), {"x-tenant", "acme"}, {"x-tenant", "evil"}}, 400, "repeated_header", ""},
		{"header rule: other tenant falls through", "api.example.com", "/orders/1", [][2]string{auth(kc(nil)), {"x-tenant", "evil"}}, 403, "no_matching_rule", ""},
		{"subject outside the prefix", "api.example.com", "/api/x", [][2]string{auth(kc(map[string]any{"sub": "svc:batch"}))}, 401, "subject_not_allowed", ""},
		{"lifetime over an hour", "api.example.com", "/api/x", [][2]string{auth(kc(map[string]any{"iat": now - 5, "exp": now + 7200}))}, 401, "lifetime_too_long", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			req, _ := http.NewRequest("GET", base+tc.path, nil)
			req.Host = tc.host
			for _, h := range tc.headers {
				req.Header.Add(h[0], h[1])
			}
			req.Header.Set("x-roles", "root") // spoofed: never reaches the upstream
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			up := seen
			mu.Unlock()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status != 200 {
				var b map[string]string
				if err := json.Unmarshal(body, &b); err != nil || b["reason"] != tc.reason {
					t.Fatalf("body %s, want reason %s", body, tc.reason)
				}
				if up != nil {
					t.Fatal("a refused request reached the upstream")
				}
				return
			}
			if up == nil {
				t.Fatal("the upstream saw nothing")
			}
			if got := up.Get("x-roles"); got != tc.roles {
				t.Fatalf("upstream x-roles %q, want %q", got, tc.roles)
			}
			if up.Get("authorization") != "" {
				t.Fatal("the token reached the upstream")
			}
		})
	}
	if strings.Contains(logs.text(), strings.Split(user, ".")[2][:20]) {
		t.Fatal("a token reached the logs")
	}
}
