package demoidp

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestTokenParams: every /token parameter does what TokenParams says, and a value the IdP
// cannot honour is a 400 naming it rather than a token minted with a default.
func TestTokenParams(t *testing.T) {
	idp, err := New("https://demo-idp/", "demo-api")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		status      int
		check       func(t *testing.T, header, claims map[string]any)
		body        string
	}{
		{"defaults", "", 200, func(t *testing.T, h, c map[string]any) {
			want(t, h["alg"], "RS256")
			want(t, c["sub"], "alice")
			want(t, c["scope"], "")
			want(t, c["exp"].(float64)-c["iat"].(float64), 600.0)
			want(t, c["nbf"], c["iat"])
		}, ""},
		{"alg ES256", "alg=ES256", 200, func(t *testing.T, h, _ map[string]any) { want(t, h["alg"], "ES256") }, ""},
		{"sub", "sub=bob", 200, func(t *testing.T, _, c map[string]any) { want(t, c["sub"], "bob") }, ""},
		{"scope", "scope=orders:read+admin", 200, func(t *testing.T, _, c map[string]any) { want(t, c["scope"], "orders:read admin") }, ""},
		{"ttl", "ttl=90s", 200, func(t *testing.T, _, c map[string]any) { want(t, c["exp"].(float64)-c["iat"].(float64), 90.0) }, ""},
		{"negative ttl: expired", "ttl=-1h", 200, func(t *testing.T, _, c map[string]any) { want(t, c["exp"].(float64)-c["iat"].(float64), -3600.0) }, ""},
		{"nbf", "nbf=5m", 200, func(t *testing.T, _, c map[string]any) { want(t, c["nbf"].(float64)-c["iat"].(float64), 300.0) }, ""},
		{"unknown alg", "alg=HS256", 400, nil, `alg "HS256"`},
		{"alg in lower case", "alg=rs256", 400, nil, `alg "rs256"`},
		{"ttl without a unit", "ttl=600", 400, nil, "ttl and nbf are Go durations"},
		{"bad nbf", "nbf=soon", 400, nil, "ttl and nbf are Go durations"},
		{"unknown parameter", "scopes=admin", 400, nil, `unknown parameter "scopes"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			idp.ServeHTTP(rec, httptest.NewRequest("GET", "/token?"+tc.query, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, body)
			}
			if tc.check == nil {
				if !strings.Contains(string(body), tc.body) {
					t.Fatalf("body %q lacks %q", body, tc.body)
				}
				return
			}
			parts := strings.Split(strings.TrimSpace(string(body)), ".")
			if len(parts) != 3 {
				t.Fatalf("not a JWS: %q", body)
			}
			tc.check(t, segment(t, parts[0]), segment(t, parts[1]))
		})
	}
}

func segment(t *testing.T, s string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func want(t *testing.T, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestEchoShowsWhatItReceived: the echo upstream's response body carries the request line and
// headers, which is where README tells users to look.
func TestEchoShowsWhatItReceived(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/orders/42?x=1", nil)
	req.Header.Set("X-Jwt-Sub", "alice")
	Echo(rec, req)
	body := rec.Body.String()
	for _, w := range []string{"upstream saw: GET /orders/42?x=1\n", "  x-jwt-sub: alice\n"} {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q:\n%s", w, body)
		}
	}
}
