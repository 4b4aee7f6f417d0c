package jwtverify

import (
	"errors"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// TestRegressionDuplicateEmptyMemberName: "" is a member name like any other, and a document
// that names it twice is refused like any other duplicate. strictjson reported a duplicate by
// its name, so a repeated "" read as "no duplicate" (found by FuzzObject) in tokens, key sets,
// revocation lists and the configuration.
func TestRegressionDuplicateEmptyMemberName(t *testing.T) {
	enc := func(s string) string { return b64url.EncodeToString([]byte(s)) }
	for _, tc := range []struct{ name, header, payload string }{
		{"payload", `{"alg":"RS256"}`, `{"iss":"https://idp","":1,"":2}`},
		{"header", `{"alg":"RS256","":"a","":"b"}`, `{"iss":"https://idp"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(enc(tc.header)+"."+enc(tc.payload)+".c2ln", Limits{})
			if !errors.Is(err, ErrDuplicateMember) {
				t.Fatalf("Parse: %v, want ErrDuplicateMember", err)
			}
		})
	}
	t.Run("key set", func(t *testing.T) {
		doc := strings.TrimSuffix(string(mint.JWKS(testRSA)), "}") + `,"":1,"":2}`
		if _, err := ParseJWKS([]byte(doc)); err == nil || !strings.Contains(err.Error(), "appears twice") {
			t.Fatalf("ParseJWKS: %v, want a duplicate member refused", err)
		}
	})
}
