package filter

import (
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func TestRequestOutcomes(t *testing.T) {
	type want struct {
		status    uint32 // 0: the request continues
		reason    string
		challenge string // exact WWW-Authenticate, "" when none is expected
		// For continued requests: headers the upstream must get ("" value: must be absent).
		upstream map[string]string
	}
	tests := []struct {
		name    string
		method  string
		path    string
		headers func(h *harness) [][2]string
		want    want
	}{
		{
			name: "open route continues without a token, spoofed claim header removed",
			path: "/healthz",
			headers: func(h *harness) [][2]string {
				return [][2]string{{"x-jwt-sub", "mallory"}}
			},
			want: want{upstream: map[string]string{"x-jwt-sub": ""}},
		},
		{
			name: "no matching rule is forbidden",
			path: "/unlisted",
			want: want{status: 403, reason: "no_matching_rule"},
		},
		{
			name: "no token gets a challenge without error attribute",
			path: "/api/x",
			want: want{status: 401, reason: "missing_token", challenge: `Bearer realm="jwtguard"`},
		},
		{
			name: "another scheme is no bearer token",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				return [][2]string{{"authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}}
			},
			want: want{status: 401, reason: "missing_token", challenge: `Bearer realm="jwtguard"`},
		},
		{
			name: "two tokens in header and query are an invalid request",
			path: "/api/x?access_token=" + "abc",
			headers: func(h *harness) [][2]string {
				return [][2]string{bearer(h.token(testKeys.RSA, nil))}
			},
			want: want{status: 400, reason: "multiple_tokens",
				challenge: `Bearer realm="jwtguard", error="invalid_request", error_description="more than one bearer token in the request"`},
		},
		{
			name: "two Authorization headers are an invalid request",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				tok := h.token(testKeys.RSA, nil)
				return [][2]string{bearer(tok), bearer(tok)}
			},
			want: want{status: 400, reason: "multiple_tokens"},
		},
		{
			name: "comma-joined Authorization is malformed",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				tok := h.token(testKeys.RSA, nil)
				return [][2]string{{"authorization", "Bearer " + tok + ", Bearer " + tok}}
			},
			want: want{status: 400, reason: "malformed_authorization"},
		},
		{
			name: "bearer without a token is malformed",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				return [][2]string{{"authorization", "Bearer "}}
			},
			want: want{status: 400, reason: "malformed_authorization"},
		},
		{
			name: "valid RS256 token continues with the token removed and claim headers set",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				return [][2]string{bearer(h.token(testKeys.RSA, nil)), {"x-jwt-sub", "mallory"}}
			},
			want: want{upstream: map[string]string{"authorization": "", "x-jwt-sub": "alice"}},
		},
		{
			name: "valid ES256 token continues, scheme matched case-insensitively",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				return [][2]string{{"authorization", "bEaReR   " + h.token(testKeys.EC, map[string]any{"sub": "bob"})}}
			},
			want: want{upstream: map[string]string{"authorization": "", "x-jwt-sub": "bob"}},
		},
		{
			name: "token in the query is accepted and removed from the path",
			path: "/api/x?a=1&access_token=TOKEN&b=2",
			want: want{upstream: map[string]string{":path": "/api/x?a=1&b=2"}},
		},
		{
			name: "expired token",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				now := h.clock.now().Unix()
				return [][2]string{bearer(h.token(testKeys.RSA, map[string]any{"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200}))}
			},
			want: want{status: 401, reason: "token_expired"},
		},
		{
			name: "token from an unknown issuer",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				return [][2]string{bearer(h.token(testKeys.RSA, map[string]any{"iss": "https://evil.example.com/"}))}
			},
			want: want{status: 401, reason: "unknown_issuer"},
		},
		{
			name: "wrong audience",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				return [][2]string{bearer(h.token(testKeys.RSA, map[string]any{"aud": "billing-api"}))}
			},
			want: want{status: 401, reason: "wrong_audience"},
		},
		{
			name: "bad signature",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				tok := h.token(testKeys.RSA, nil)
				i := strings.LastIndexByte(tok, '.')
				sig := []byte(tok[i+1:])
				if sig[10] == 'A' {
					sig[10] = 'B'
				} else {
					sig[10] = 'A'
				}
				return [][2]string{bearer(tok[:i+1] + string(sig))}
			},
			want: want{status: 401, reason: "bad_signature"},
		},
		{
			name: "token signed by a key the provider does not publish",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				return [][2]string{bearer(h.token(testKeys.RSA2, nil))}
			},
			want: want{status: 401, reason: "unknown_kid"},
		},
		{
			name: "alg none",
			path: "/api/x",
			headers: func(h *harness) [][2]string {
				tok := h.token(testKeys.RSA, nil)
				parts := strings.Split(tok, ".")
				return [][2]string{bearer("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".")}
			},
			want: want{status: 401},
		},
		{
			name: "missing scope on an all-of route",
			path: "/admin/users",
			headers: func(h *harness) [][2]string {
				return [][2]string{bearer(h.token(testKeys.RSA, nil))}
			},
			want: want{status: 403, reason: "insufficient_scope",
				challenge: `Bearer realm="jwtguard", error="insufficient_scope", error_description="the token lacks a scope this route requires", scope="admin"`},
		},
		{
			name: "any-of scopes satisfied by one",
			path: "/orders/42",
			headers: func(h *harness) [][2]string {
				return [][2]string{bearer(h.token(testKeys.EC, map[string]any{"scp": []string{"orders:admin"}, "scope": nil}))}
			},
			want: want{upstream: map[string]string{"x-jwt-sub": "alice"}},
		},
		{
			name: "any-of scopes with none present",
			path: "/orders/42",
			headers: func(h *harness) [][2]string {
				return [][2]string{bearer(h.token(testKeys.EC, map[string]any{"scope": "profile"}))}
			},
			want: want{status: 403, reason: "insufficient_scope",
				challenge: `Bearer realm="jwtguard", error="insufficient_scope", error_description="the token lacks a scope this route requires", scope="orders:read orders:admin"`},
		},
		{
			name:   "CORS preflight passes untouched",
			method: "OPTIONS",
			path:   "/api/x",
			headers: func(h *harness) [][2]string {
				return [][2]string{{"origin", "https://app.example.com"}, {"access-control-request-method", "POST"}}
			},
			want: want{},
		},
		{
			name:   "OPTIONS without preflight headers still needs a token",
			method: "OPTIONS",
			path:   "/api/x",
			want:   want{status: 401, reason: "missing_token"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, localConfig(t, ""))
			method := tc.method
			if method == "" {
				method = "GET"
			}
			var hs [][2]string
			if tc.headers != nil {
				hs = tc.headers(h)
			}
			path := strings.Replace(tc.path, "TOKEN", h.token(testKeys.RSA, nil), 1)
			id, action := h.request(method, path, hs...)
			r := h.reply(id)
			if tc.want.status == 0 {
				if action != types.ActionContinue || r != nil {
					t.Fatalf("want the request to continue; got action %v, reply %+v", action, r)
				}
				got := h.host.GetCurrentRequestHeaders(id)
				for name, value := range tc.want.upstream {
					v, ok := header(got, name)
					if value == "" && ok {
						t.Errorf("upstream got %s: %q, want it removed", name, v)
					}
					if value != "" && v != value {
						t.Errorf("upstream got %s: %q, want %q", name, v, value)
					}
				}
				return
			}
			if action != types.ActionPause {
				t.Fatalf("a refused request must not continue; action = %v", action)
			}
			if r == nil {
				t.Fatal("no local reply")
			}
			if r.status != tc.want.status {
				t.Fatalf("status = %d, want %d (body %v)", r.status, tc.want.status, r.body)
			}
			if tc.want.reason != "" && r.body["reason"] != tc.want.reason {
				t.Fatalf("reason = %q, want %q", r.body["reason"], tc.want.reason)
			}
			if r.body["error"] == "" || r.body["error_description"] == "" {
				t.Fatalf("body lacks error or error_description: %v", r.body)
			}
			if tc.want.challenge != "" && r.headers["www-authenticate"] != tc.want.challenge {
				t.Fatalf("WWW-Authenticate = %q, want %q", r.headers["www-authenticate"], tc.want.challenge)
			}
			if tc.want.status == 401 && !strings.HasPrefix(r.headers["www-authenticate"], `Bearer realm="jwtguard"`) {
				t.Fatalf("a 401 needs a Bearer challenge; got %q", r.headers["www-authenticate"])
			}
			if tc.want.status == 401 && tc.want.reason != "missing_token" &&
				!strings.Contains(r.headers["www-authenticate"], `error="invalid_token"`) {
				t.Fatalf("a 401 for a bad token needs error=invalid_token; got %q", r.headers["www-authenticate"])
			}
			if c := h.rejections(r.body["reason"]); c != 1 {
				t.Fatalf("rejections counted for %s: %d, want 1", r.body["reason"], c)
			}
		})
	}
}

func TestForwardKeepsTheToken(t *testing.T) {
	h := newHarness(t, localConfig(t, `, "forward": true`))
	tok := h.token(testKeys.RSA, nil)
	id, action := h.request("GET", "/api/x", bearer(tok))
	if action != types.ActionContinue {
		t.Fatalf("action = %v, reply %+v", action, h.reply(id))
	}
	if v, _ := header(h.host.GetCurrentRequestHeaders(id), "authorization"); v != "Bearer "+tok {
		t.Fatalf("upstream authorization = %q, want the original header", v)
	}
}

func TestRepeatedTokenIsServedFromTheCache(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	tok := h.token(testKeys.RSA, nil)
	for i := 0; i < 3; i++ {
		if _, action := h.request("GET", "/api/x", bearer(tok)); action != types.ActionContinue {
			t.Fatalf("request %d: action %v", i, action)
		}
	}
	if hit, miss := h.counter("jwtguard.cache.hit"), h.counter("jwtguard.cache.miss"); hit != 2 || miss != 1 {
		t.Fatalf("cache hit/miss = %d/%d, want 2/1", hit, miss)
	}
	// A cached token still needs the route's scopes.
	id, _ := h.request("GET", "/admin/x", bearer(tok))
	if r := h.reply(id); r == nil || r.status != 403 {
		t.Fatalf("cached token on a scoped route: reply %+v, want 403", r)
	}
	// And it stops working at exp, cache or not.
	h.clock.advance(601*1e9 + 61*1e9)
	id, _ = h.request("GET", "/api/x", bearer(tok))
	if r := h.reply(id); r == nil || r.status != 401 || r.body["reason"] != "token_expired" {
		t.Fatalf("expired cached token: reply %+v, want 401 token_expired", r)
	}
}

// TestCacheFarFutureExpiryIsServedFromTheCache pins a bug caught in review of the ring
// cache, whose entries keep validUntil in Unix nanoseconds: an exp after 2262 (NumericDates go to 9999) has no UnixNano, and an
// undefined validUntil must not turn a cacheable token into one verified every time.
func TestCacheFarFutureExpiryIsServedFromTheCache(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	tok := h.token(testKeys.RSA, map[string]any{"exp": 253402300799}) // 9999-12-31T23:59:59Z
	for i := 0; i < 3; i++ {
		if _, action := h.request("GET", "/api/x", bearer(tok)); action != types.ActionContinue {
			t.Fatalf("request %d: action %v", i, action)
		}
	}
	if hit, miss := h.counter("jwtguard.cache.hit"), h.counter("jwtguard.cache.miss"); hit != 2 || miss != 1 {
		t.Fatalf("cache hit/miss = %d/%d, want 2/1", hit, miss)
	}
}

// TestCacheEvictsFirstInFirstOut: with cache_entries 2, a third token pushes the first out;
// the second stays cached.
func TestCacheEvictsFirstInFirstOut(t *testing.T) {
	h := newHarness(t, strings.Replace(localConfig(t, ""), `"rules": [`, `"limits": {"cache_entries": 2}, "rules": [`, 1))
	toks := []string{h.token(testKeys.RSA, map[string]any{"jti": "1"}), h.token(testKeys.RSA, map[string]any{"jti": "2"}), h.token(testKeys.RSA, map[string]any{"jti": "3"})}
	for _, tok := range toks {
		h.request("GET", "/api/x", bearer(tok))
	}
	for _, tc := range []struct {
		tok       string
		hit, miss uint64
	}{{toks[1], 1, 3}, {toks[2], 2, 3}, {toks[0], 2, 4}} {
		h.request("GET", "/api/x", bearer(tc.tok))
		if hit, miss := h.counter("jwtguard.cache.hit"), h.counter("jwtguard.cache.miss"); hit != tc.hit || miss != tc.miss {
			t.Fatalf("cache hit/miss = %d/%d, want %d/%d", hit, miss, tc.hit, tc.miss)
		}
	}
}

func TestBadConfigurationFailsThePluginNamingTheField(t *testing.T) {
	opt := proxytestOption(`{"providers": {"corp": {"issuer": ""}}, "rules": []}`)
	host, release := newEmulator(opt)
	defer release()
	if st := host.StartPlugin(); st != types.OnPluginStartStatusFailed {
		t.Fatalf("StartPlugin = %v, want failure", st)
	}
	logs := strings.Join(host.GetCriticalLogs(), "\n")
	if !strings.Contains(logs, "providers.corp.issuer") {
		t.Fatalf("critical log does not name the field: %q", logs)
	}
}

// TestCacheHitNeedsTheIdenticalToken: the cache answers only for the exact text that was
// verified; a token one byte away from a cached one is verified from scratch and refused.
func TestCacheHitNeedsTheIdenticalToken(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	tok := h.token(testKeys.RSA, nil)
	if _, action := h.request("GET", "/api/x", bearer(tok)); action != types.ActionContinue {
		t.Fatalf("the valid token was refused: %v", action)
	}
	// A character inside the signature carries 6 signature bits (the last one only 2, the
	// rest must be zero), so changing it keeps the encoding canonical.
	j := strings.LastIndexByte(tok, '.') + 5
	changed := byte('A')
	if tok[j] == 'A' {
		changed = 'B'
	}
	for _, tc := range []struct {
		name, token, reason string
	}{
		{"one signature character changed", tok[:j] + string(changed) + tok[j+1:], "bad_signature"},
		{"padding appended", tok + "=", "bad_base64"},
		{"truncated by one", tok[:len(tok)-1], "bad_base64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			misses := h.counter("jwtguard.cache.miss")
			id, _ := h.request("GET", "/api/x", bearer(tc.token))
			if r := h.reply(id); r == nil || r.status != 401 || r.body["reason"] != tc.reason {
				t.Fatalf("reply %+v, want 401 %s", r, tc.reason)
			}
			if got := h.counter("jwtguard.cache.miss"); got != misses+1 {
				t.Fatalf("cache misses %d → %d: the altered token was not verified afresh", misses, got)
			}
		})
	}
}

// TestDetachEntryKeepsNoViewOfTheInput: a cache entry's token text, scopes and claim-header
// values must not pin the header block or the token payload they were read from, and must
// read as the input did; the header names are the configuration's and stay as they are.
func TestDetachEntryKeepsNoViewOfTheInput(t *testing.T) {
	block := string([]byte(`eyJ.payload.sig read write admin alice 42`)) // one block, as a request's is
	tok, read, write, admin, alice, n42 := block[:15], block[16:20], block[21:26], block[27:32], block[33:38], block[39:]
	inBlock := func(s string) bool { return pointsInto(s, block) }
	for _, tc := range []struct {
		name    string
		scopes  []string
		headers [][2]string
	}{
		{"token only", nil, nil},
		{"scopes", []string{read, write}, nil},
		{"claim headers", nil, [][2]string{{"x-jwt-sub", alice}, {"x-jwt-n", n42}}},
		{"both, with an empty scope", []string{read, "", admin}, [][2]string{{"x-jwt-sub", alice}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, scopes, headers, _ := detachEntry(tok, tc.scopes, tc.headers, revocationIDs{})
			if text != tok || inBlock(text) {
				t.Fatalf("token text %q (a view of the block: %v)", text, inBlock(text))
			}
			if !slices.Equal(scopes, tc.scopes) {
				t.Fatalf("scopes %q, want %q", scopes, tc.scopes)
			}
			if len(headers) != 2*len(tc.headers) {
				t.Fatalf("%d header strings, want %d", len(headers), 2*len(tc.headers))
			}
			for i, h := range tc.headers {
				if headers[2*i] != h[0] || headers[2*i+1] != h[1] {
					t.Fatalf("header %d is %q: %q, want %q: %q", i, headers[2*i], headers[2*i+1], h[0], h[1])
				}
				if inBlock(headers[2*i+1]) {
					t.Fatalf("header %d's value still points into the block", i)
				}
			}
			for i, s := range scopes {
				if inBlock(s) {
					t.Fatalf("scope %d still points into the block", i)
				}
			}
			if cap(scopes) != len(scopes) {
				t.Fatalf("scopes have room to grow into the claim headers (cap %d, len %d)", cap(scopes), len(scopes))
			}
			want := 2.0
			if len(tc.scopes)+len(tc.headers) == 0 {
				want = 1
			}
			if got := testing.AllocsPerRun(100, func() { detachEntry(tok, tc.scopes, tc.headers, revocationIDs{JTI: read, Sub: alice}) }); got != want {
				t.Fatalf("%v allocations, want %v", got, want)
			}
		})
	}
}

// TestDetachedIDsKeepsNoViewOfTheInput: a cache entry's revocation identifiers are copies
// (detachEntry), equal to the token's, whether one, both or neither is present.
func TestDetachedIDsKeepsNoViewOfTheInput(t *testing.T) {
	block := string([]byte(`id-42 alice`))
	inBlock := func(s string) bool { return pointsInto(s, block) }
	for _, tc := range []struct {
		name string
		in   revocationIDs
	}{
		{"both", revocationIDs{JTI: block[:5], Sub: block[6:], IAT: 7, HasIAT: true}},
		{"jti only", revocationIDs{JTI: block[:5]}},
		{"sub only", revocationIDs{Sub: block[6:]}},
		{"neither", revocationIDs{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, out := detachEntry("tok", nil, nil, tc.in)
			if out != tc.in {
				t.Fatalf("got %+v, want %+v", out, tc.in)
			}
			if inBlock(out.JTI) || inBlock(out.Sub) {
				t.Fatalf("%+v still points into the token", out)
			}
		})
	}
}

// pointsInto reports whether s is a non-empty view of block's bytes.
func pointsInto(s, block string) bool {
	lo := uintptr(unsafe.Pointer(unsafe.StringData(block)))
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return s != "" && p >= lo && p < lo+uintptr(len(block))
}
