package filter

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// tampered is tok with its payload replaced by claims and its signature kept, as a client
// that copies a real token and edits a claim produces (the signature no longer verifies).
func tampered(t *testing.T, tok string, claims map[string]any) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// Regression (issue 15): claims were checked before the signature, so a token copied from a
// real one with its aud edited was answered wrong_audience ("the token's audience is not
// accepted"), telling an unauthenticated client which claim it got wrong. A token whose
// signature does not verify with a published key is answered bad_signature (or unknown_kid,
// no_matching_key) whatever its claims say.
func TestRegressionUnverifiedTokenIsNotDescribed(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	now := h.clock.now().Unix()
	real := h.token(testKeys.RSA, nil)
	unpublished, err := mint.NewEC(testKeys.EC.Kid) // a published kid, another key
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, want string
	}{
		{"aud edited", tampered(t, real, h.claims(map[string]any{"aud": "billing"})), "bad_signature"},
		{"exp edited into the past", tampered(t, real, h.claims(map[string]any{"exp": now - 3600})), "bad_signature"},
		{"exp removed", tampered(t, real, h.claims(map[string]any{"exp": nil})), "bad_signature"},
		{"nbf in the future", tampered(t, real, h.claims(map[string]any{"nbf": now + 3600})), "bad_signature"},
		{"exp not a number", tampered(t, real, h.claims(map[string]any{"exp": "soon"})), "bad_signature"},
		{"aud of the wrong type", tampered(t, real, h.claims(map[string]any{"aud": 7})), "bad_signature"},
		{"expired, signed by an unpublished key under a published kid", h.token(unpublished, map[string]any{"exp": now - 3600, "aud": "billing"}), "bad_signature"},
		{"expired, unknown kid", h.token(testKeys.RSA2, map[string]any{"exp": now - 3600}), "unknown_kid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, _ := h.request("GET", "/api/x", bearer(tc.token))
			r := h.reply(id)
			if r == nil || r.status != 401 || r.body["reason"] != tc.want {
				t.Fatalf("reply %+v, want 401 %s", r, tc.want)
			}
			for _, word := range []string{"audience", "expir", "valid yet", "issuer", "typ", "claim"} {
				if strings.Contains(r.body["error_description"], word) || strings.Contains(r.headers["www-authenticate"], word) {
					t.Fatalf("the answer to an unverified token describes its claims: %+v", r)
				}
			}
		})
	}
}

// A token whose signature verifies is refused on its claims with the precise reason.
func TestVerifiedTokenGetsItsClaimReason(t *testing.T) {
	now := newTestClock().now().Unix()
	for _, tc := range []struct {
		name   string
		extra  string // provider members
		claims map[string]any
		want   string
	}{
		{"expired", "", map[string]any{"exp": now - 3600}, "token_expired"},
		{"wrong audience", "", map[string]any{"aud": "billing"}, "wrong_audience"},
		{"missing exp", "", map[string]any{"exp": nil}, "missing_exp"},
		{"not yet valid", "", map[string]any{"nbf": now + 3600}, "token_not_yet_valid"},
		{"wrong type", `, "typ": "at+jwt"`, nil, "wrong_type"}, // mint signs typ JWT
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, localConfig(t, tc.extra))
			id, _ := h.request("GET", "/api/x", bearer(h.token(testKeys.RSA, tc.claims)))
			if r := h.reply(id); r == nil || r.status != 401 || r.body["reason"] != tc.want {
				t.Fatalf("reply %+v, want 401 %s", r, tc.want)
			}
		})
	}
}

// A verified token refused on a claim time cannot fix is remembered: presented again it is
// refused from the cache of rejected tokens (no second signature check), with the same
// reason; a not-yet-valid token is not remembered (it becomes valid).
func TestRejectedTokenCache(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	now := h.clock.now().Unix()
	expired := h.token(testKeys.RSA, map[string]any{"exp": now - 3600})
	early := h.token(testKeys.RSA, map[string]any{"nbf": now + 3600})
	for range 2 {
		for _, tok := range []string{expired, early} {
			h.request("GET", "/api/x", bearer(tok))
		}
	}
	if n := h.plugin.rejected.len(); n != 1 {
		t.Fatalf("%d rejected tokens cached, want 1 (the expired one)", n)
	}
	id, _ := h.request("GET", "/api/x", bearer(expired))
	if r := h.reply(id); r == nil || r.body["reason"] != "token_expired" {
		t.Fatalf("cached rejection: %+v, want token_expired", r)
	}
	if _, ok := h.plugin.rejected.get(tampered(t, expired, h.claims(map[string]any{"exp": now - 3600}))+"x", h.clock.now()); ok {
		t.Fatal("a different token hit the cache of rejected tokens")
	}
}

// A cached rejection is honoured only while the key that verified the token is published:
// once the key is gone the token's signature no longer verifies with a published key, and
// its claims must not be described.
func TestRejectedTokenCacheForgetsRemovedKeys(t *testing.T) {
	h := newHarness(t, remoteConfig())
	h.host.Tick()
	h.answerFetch(h.requireFetch(1), "200", mint.JWKS(testKeys.RSA, testKeys.RSA2))
	expired := h.token(testKeys.RSA2, map[string]any{"exp": h.clock.now().Unix() - 3600})
	id, _ := h.request("GET", "/x", bearer(expired))
	if r := h.reply(id); r == nil || r.body["reason"] != "token_expired" {
		t.Fatalf("expired token of a published key: %+v", r)
	}
	h.clock.advance(301 * time.Second)
	h.host.Tick()
	h.answerFetch(h.requireFetch(2), "200", mint.JWKS(testKeys.RSA))
	if n := h.plugin.rejected.len(); n != 0 {
		t.Fatalf("%d rejected tokens cached after their key left, want 0", n)
	}
	id, action := h.request("GET", "/x", bearer(expired))
	if r := h.reply(id); action == types.ActionContinue || (r != nil && r.body["reason"] == "token_expired") {
		t.Fatalf("token of a removed key described as expired: %v %+v", action, r)
	}
}

// config/REFERENCE.md's "Failure reasons" table says what every reason of the catalogue
// guarantees: a reason added without a row fails.
func TestReferenceDescribesEveryReason(t *testing.T) {
	b, err := os.ReadFile("../config/REFERENCE.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "## Failure reasons")
	if start < 0 {
		t.Fatal(`config/REFERENCE.md has no "## Failure reasons" section`)
	}
	section := doc[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	names := []string{}
	for _, r := range requestReasons {
		names = append(names, r.name)
	}
	for _, r := range jwtverify.Reasons() {
		names = append(names, r.Name())
	}
	for _, n := range names {
		if !strings.Contains(section, "`"+n+"`") {
			t.Errorf("reason %s is not described in config/REFERENCE.md#failure-reasons", n)
		}
	}
}
