package filter

import (
	"testing"
)

func init() {
	fieldCases = append(fieldCases, fieldCase{field: "rules[].require.token", run: func(t *testing.T) {
		// Without a token: 401 by default, upstream with allow_missing.
		for mode, status := range map[string]int{`"required"`: 401, `"allow_missing"`: 200} {
			t.Run(mode, func(t *testing.T) {
				h := newHarness(t, policyConfig("", `{"match": {"prefix": "/"}, "require": {"token": `+mode+`}}`))
				reason := ""
				if status == 401 {
					reason = "missing_token"
				}
				h.expect(t, "GET", "/x", status, reason)
			})
		}
	}})
}

// TestOptionalTokens: request → answer for each token mode, and what the upstream receives:
// the claim header only from a token verified for this request, the client's copy never; a
// token that failed goes upstream as sent on allow_missing_or_failed.
func TestOptionalTokens(t *testing.T) {
	type want struct {
		status int
		reason string
		sub    string // x-jwt-sub upstream ("" → absent)
	}
	// Tokens for the harnesses' clock (one harness may exist at a time: proxytest is global).
	h0 := &harness{t: t, clock: newTestClock()}
	valid := h0.token(testKeys.RSA, nil)
	expired := h0.token(testKeys.RSA, map[string]any{"exp": h0.clock.now().Unix() - 3600})
	foreign := h0.token(testKeys.RSA, map[string]any{"iss": "https://other/"})
	spoof := [2]string{"x-jwt-sub", "mallory"}
	spoofPayload := [2]string{"x-jwt-payload", "eyJzdWIiOiJyb290In0"}
	requests := []struct {
		name    string
		headers [][2]string
		outcome [3]want // required, allow_missing, allow_missing_or_failed
	}{
		{"no token", [][2]string{spoof}, [3]want{
			{401, "missing_token", ""}, {200, "", ""}, {200, "", ""}}},
		{"valid token", [][2]string{bearer(valid), spoof}, [3]want{
			{200, "", "alice"}, {200, "", "alice"}, {200, "", "alice"}}},
		{"expired token", [][2]string{bearer(expired), spoof}, [3]want{
			{401, "token_expired", ""}, {401, "token_expired", ""}, {200, "", ""}}},
		{"unknown issuer", [][2]string{bearer(foreign), spoof}, [3]want{
			{401, "unknown_issuer", ""}, {401, "unknown_issuer", ""}, {200, "", ""}}},
		{"not a token", [][2]string{bearer("a.b.c"), spoof}, [3]want{
			{401, "bad_base64", ""}, {401, "bad_base64", ""}, {200, "", ""}}},
		{"two tokens", [][2]string{bearer(valid), bearer(valid), spoof}, [3]want{
			{400, "multiple_tokens", ""}, {400, "multiple_tokens", ""}, {200, "", ""}}},
		{"malformed Authorization", [][2]string{{"authorization", "Bearer a b"}, spoof}, [3]want{
			{400, "malformed_authorization", ""}, {400, "malformed_authorization", ""}, {200, "", ""}}},
	}
	modes := []string{"required", "allow_missing", "allow_missing_or_failed"}
	for i, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t, policyConfig(`, "forward_payload_header": "x-jwt-payload"`, `{"match": {"prefix": "/"}, "require": {"token": "`+mode+`"}}`))
			for _, rq := range requests {
				t.Run(rq.name, func(t *testing.T) {
					w := rq.outcome[i]
					id := h.expect(t, "GET", "/x", w.status, w.reason, append(rq.headers, spoofPayload)...)
					if w.status != 200 {
						return
					}
					got, ok := header(h.host.GetCurrentRequestHeaders(id), "x-jwt-sub")
					if (w.sub != "") != ok || got != w.sub {
						t.Fatalf("x-jwt-sub upstream %q (%v), want %q", got, ok, w.sub)
					}
					if p, ok := header(h.host.GetCurrentRequestHeaders(id), "x-jwt-payload"); (w.sub != "") != ok || p == spoofPayload[1] {
						t.Fatalf("x-jwt-payload upstream %q (%v): want the verified payload only", p, ok)
					}
					auth, hasAuth := header(h.host.GetCurrentRequestHeaders(id), "authorization")
					switch {
					case w.sub != "" && hasAuth:
						t.Fatalf("a verified token went upstream (forward is false): %q", auth)
					case w.sub == "" && rq.name != "no token" && !hasAuth:
						t.Fatal("a token that failed was removed; it goes upstream as sent")
					}
					wantOutcome := map[bool]string{true: "allowed", false: "allowed_failed_token"}[w.sub != ""]
					if rq.name == "no token" {
						wantOutcome = "allowed_without_token"
					}
					if got := h.property(propOutcome); got != wantOutcome {
						t.Fatalf("outcome %q, want %q", got, wantOutcome)
					}
				})
			}
		})
	}
	t.Run("failure reason and counters", func(t *testing.T) {
		h := newHarness(t, policyConfig("", `{"match": {"prefix": "/"}, "require": {"token": "allow_missing_or_failed"}}`))
		h.expect(t, "GET", "/x", 200, "", bearer(expired))
		if got := h.property(propTokenFailure); got != "token_expired" {
			t.Errorf("%s = %q, want token_expired", propTokenFailure, got)
		}
		h.expect(t, "GET", "/x", 200, "")
		if h.counter("jwtguard.allowed_failed_token") != 1 || h.counter("jwtguard.allowed_without_token") != 1 {
			t.Errorf("counters failed %d, without %d; want 1 and 1", h.counter("jwtguard.allowed_failed_token"), h.counter("jwtguard.allowed_without_token"))
		}
	})
}

// TestOptionalTokenKeysUnavailable: with allow_missing_or_failed a token that cannot be
// verified because the IdP is down passes without identity after its hold, instead of 503.
func TestOptionalTokenKeysUnavailable(t *testing.T) {
	cfg := `{"providers": {"corp": {"issuer": "` + testIssuer + `",
      "remote_jwks": {"cluster": "idp", "authority": "idp.example.com", "path": "/jwks"},
      "claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}]}},
  "rules": [{"match": {"prefix": "/opt"}, "require": {"token": "allow_missing_or_failed"}}, {"match": {"prefix": "/"}, "require": {}}],
  "limits": {"max_pending_requests": 0}}`
	h := newHarness(t, cfg)
	tok := h.token(testKeys.RSA, nil)
	h.expect(t, "GET", "/x", 503, "keys_unavailable", bearer(tok))
	id := h.expect(t, "GET", "/opt", 200, "", bearer(tok), [2]string{"x-jwt-sub", "mallory"})
	if v, ok := header(h.host.GetCurrentRequestHeaders(id), "x-jwt-sub"); ok {
		t.Fatalf("x-jwt-sub %q reached the upstream", v)
	}
	if got := h.property(propTokenFailure); got != "keys_unavailable" {
		t.Errorf("%s = %q", propTokenFailure, got)
	}
}
