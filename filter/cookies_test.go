package filter

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func init() {
	fieldCases = append(fieldCases, fieldCase{field: "providers.<name>.from_cookies", run: func(t *testing.T) {
		// Without from_cookies a token cookie is no token; with it, the request passes.
		// One harness per subtest: proxytest allows one emulator at a time, released at cleanup.
		for _, tc := range []struct {
			extra  string
			status uint32
		}{{"", 401}, {`, "from_cookies": ["session"]`, 0}} {
			t.Run(tc.extra, func(t *testing.T) {
				h := newHarness(t, localConfig(t, tc.extra))
				id, action := h.request("GET", "/api/x", [2]string{"cookie", "session=" + h.token(testKeys.RSA, nil)})
				if r := h.reply(id); tc.status == 0 && (action != types.ActionContinue || r != nil) {
					t.Fatalf("want the request to continue, got %v %+v", action, r)
				} else if tc.status != 0 && (r == nil || r.status != tc.status) {
					t.Fatalf("want %d, got %+v", tc.status, r)
				}
			})
		}
	}})
}

const cookieProvider = `, "from_cookies": ["session", "at"]`

func TestCookieValues(t *testing.T) {
	tests := []struct {
		name, header, values string
		malformed            bool
	}{
		{"single", "session=a.b.c", "a.b.c", false},
		{"among others", "theme=dark; session=a.b.c; lang=en", "a.b.c", false},
		{"no space after the separator", "theme=dark;session=a.b.c", "a.b.c", false},
		{"whitespace around", "  session = a.b.c  ; x=1", "a.b.c", false},
		{"quoted", `session="a.b.c"`, "a.b.c", false},
		{"twice", "session=a; session=b", "a,b", false},
		{"name is case-sensitive", "Session=a.b.c", "", false},
		{"name as a suffix of another", "xsession=a.b.c", "", false},
		{"empty value is no token", "session=", "", false},
		{"empty quoted value is no token", `session=""`, "", false},
		{"no equals sign", "session", "", false},
		{"semicolon inside a quoted value", `session="a;b"`, "", true},
		{"space inside the value", "session=a b", "", true},
		{"unbalanced quote", `session="a.b.c`, "", true},
		{"equals inside the value", "session=a=b", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			values, malformed := cookieValues(tc.header, "session")
			if got := strings.Join(values, ","); malformed != tc.malformed || got != tc.values {
				t.Fatalf("got %q %v, want %q %v", got, malformed, tc.values, tc.malformed)
			}
		})
	}
}

func TestWithoutCookie(t *testing.T) {
	tests := []struct{ name, header, want string }{
		{"middle", "a=1; session=x; b=2", "a=1; b=2"},
		{"first", "session=x; a=1; b=2", "a=1; b=2"},
		{"last", "a=1; b=2; session=x", "a=1; b=2"},
		{"alone", "session=x", ""},
		{"odd spacing kept", "a=1 ;  b=\"q\";session=x;c", "a=1 ;  b=\"q\";c"},
		{"every copy", "session=x; a=1; session=y", "a=1"},
		{"absent", "a=1; b=2", "a=1; b=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, removed := withoutCookie(tc.header, "session")
			if got != tc.want || removed != (tc.header != tc.want) {
				t.Fatalf("got %q (removed %v), want %q", got, removed, tc.want)
			}
		})
	}
}

// TestCookieRequests: cookies through the whole request path under proxytest.
func TestCookieRequests(t *testing.T) {
	h := newHarness(t, localConfig(t, cookieProvider))
	tok := h.token(testKeys.RSA, nil)
	tests := []struct {
		name    string
		headers [][2]string
		status  uint32
		reason  string
		cookies []string // the Cookie headers forwarded upstream, when the request passes
	}{
		{name: "single", headers: [][2]string{{"cookie", "session=" + tok}}},
		{name: "among others", headers: [][2]string{{"cookie", "theme=dark; session=" + tok + "; lang=en"}},
			cookies: []string{"theme=dark; lang=en"}},
		{name: "several Cookie headers", headers: [][2]string{{"cookie", "theme=dark"}, {"cookie", "session=" + tok + "; lang=en"}},
			cookies: []string{"theme=dark; lang=en"}},
		{name: "several Cookie headers, one left empty", headers: [][2]string{{"cookie", "session=" + tok}, {"cookie", "lang=en"}},
			cookies: []string{"lang=en"}},
		{name: "quoted", headers: [][2]string{{"cookie", `a="1"; session="` + tok + `"`}}, cookies: []string{`a="1"`}},
		{name: "second configured name", headers: [][2]string{{"cookie", "at=" + tok}}},
		{name: "same cookie twice", headers: [][2]string{{"cookie", "session=" + tok + "; session=" + tok}}, status: 400, reason: "multiple_tokens"},
		{name: "same cookie in two headers", headers: [][2]string{{"cookie", "session=" + tok}, {"cookie", "session=" + tok}}, status: 400, reason: "multiple_tokens"},
		{name: "two configured cookies", headers: [][2]string{{"cookie", "session=" + tok + "; at=" + tok}}, status: 400, reason: "multiple_tokens"},
		{name: "cookie and Authorization", headers: [][2]string{{"cookie", "session=" + tok}, bearer(tok)}, status: 400, reason: "multiple_tokens"},
		{name: "malformed cookie", headers: [][2]string{{"cookie", `session="` + tok}}, status: 400, reason: "malformed_token_cookie"},
		{name: "empty cookie is no token", headers: [][2]string{{"cookie", "session="}}, status: 401, reason: "missing_token"},
		{name: "empty cookie beside a header token", headers: [][2]string{{"cookie", "session="}, bearer(tok)}, cookies: []string{"session="}},
		{name: "bad token in the cookie", headers: [][2]string{{"cookie", "session=a.b.c"}}, status: 401, reason: "bad_base64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, action := h.request("GET", "/api/x", tc.headers...)
			r := h.reply(id)
			if tc.status != 0 {
				if r == nil || r.status != tc.status || r.body["reason"] != tc.reason {
					t.Fatalf("want %d %s, got %+v", tc.status, tc.reason, r)
				}
				if tc.status == 400 && !strings.Contains(r.headers["www-authenticate"], `error="invalid_request"`) {
					t.Fatalf("want invalid_request, got %q", r.headers["www-authenticate"])
				}
				return
			}
			if action != types.ActionContinue || r != nil {
				t.Fatalf("want the request to continue, got %v %+v", action, r)
			}
			var got []string
			for _, kv := range h.host.GetCurrentRequestHeaders(id) {
				if kv[0] == "cookie" {
					got = append(got, kv[1])
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.cookies, "|") {
				t.Fatalf("Cookie headers upstream %q, want %q", got, tc.cookies)
			}
		})
	}
}

// TestCookieForwardKeepsTheCookie: with forward: true the token cookie goes upstream as sent.
func TestCookieForwardKeepsTheCookie(t *testing.T) {
	h := newHarness(t, localConfig(t, cookieProvider+`, "forward": true`))
	cookie := "a=1; session=" + h.token(testKeys.RSA, nil)
	id, action := h.request("GET", "/api/x", [2]string{"cookie", cookie})
	if action != types.ActionContinue {
		t.Fatalf("action %v", action)
	}
	if v, _ := header(h.host.GetCurrentRequestHeaders(id), "cookie"); v != cookie {
		t.Fatalf("cookie upstream %q, want %q", v, cookie)
	}
}
