package jwtverify

import (
	"errors"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// TestSubjectsAndLifetime: subjects (exact, prefix) and max_lifetime, each with its reason.
func TestSubjectsAndLifetime(t *testing.T) {
	now := testNow.Unix()
	subjects := []SubjectMatch{{Value: "alice"}, {Value: "spiffe://corp/ns/orders/", Prefix: true}}
	tests := []struct {
		name     string
		claims   map[string]any
		subjects []SubjectMatch
		lifetime time.Duration
		want     error
	}{
		{"exact subject", nil, subjects, 0, nil},
		{"prefix subject", map[string]any{"sub": "spiffe://corp/ns/orders/sa/api"}, subjects, 0, nil},
		{"prefix itself", map[string]any{"sub": "spiffe://corp/ns/orders/"}, subjects, 0, nil},
		{"exact is not a prefix", map[string]any{"sub": "alice2"}, subjects, 0, ErrSubjectNotAllowed},
		{"case matters", map[string]any{"sub": "Alice"}, subjects, 0, ErrSubjectNotAllowed},
		{"other namespace", map[string]any{"sub": "spiffe://corp/ns/orders-evil/sa"}, subjects, 0, ErrSubjectNotAllowed},
		{"missing subject", map[string]any{"sub": nil}, subjects, 0, ErrSubjectNotAllowed},
		{"subject as an array", map[string]any{"sub": []string{"alice"}}, subjects, 0, ErrBadClaim},
		{"no subjects configured", map[string]any{"sub": "anyone"}, nil, 0, nil},
		{"lifetime within", map[string]any{"iat": now - 10, "exp": now + 3590}, nil, time.Hour, nil},
		{"lifetime exactly the maximum", map[string]any{"iat": now - 10, "exp": now + 3590}, nil, time.Hour, nil},
		{"lifetime one second over", map[string]any{"iat": now - 10, "exp": now + 3591}, nil, time.Hour, ErrLifetimeTooLong},
		{"lifetime of a year", map[string]any{"iat": now - 10, "exp": now + 365*86400}, nil, 24 * time.Hour, ErrLifetimeTooLong},
		{"no iat", map[string]any{"iat": nil}, nil, time.Hour, ErrMissingIat},
		{"no iat, no lifetime limit", map[string]any{"iat": nil}, nil, 0, nil},
		{"iat a string", map[string]any{"iat": "1"}, nil, time.Hour, ErrBadTimeClaim},
	}
	ks, err := ParseJWKS(mint.JWKS(testRSA, testEC))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPolicy
			p.Subjects, p.MaxLifetime = tc.subjects, tc.lifetime
			err := check(sign(t, testRSA, validClaims(tc.claims), nil), ks, p)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// Without exp (allowed by the provider), a lifetime limit still needs exp.
	p := ClaimsPolicy{Issuer: testPolicy.Issuer, AllowMissingExp: true, MaxLifetime: time.Hour}
	if err := check(sign(t, testRSA, validClaims(map[string]any{"exp": nil}), nil), ks, p); !errors.Is(err, ErrMissingExp) {
		t.Fatalf("no exp with max_lifetime: %v, want ErrMissingExp", err)
	}
}
