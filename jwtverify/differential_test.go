package jwtverify

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	jwt "github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// TestDifferentialGolangJWT compares our verdict with golang-jwt v5's on valid tokens and
// on many mutations of them. golang-jwt is configured like our policy (RS256/ES256 only,
// issuer, audience, exp required, 60 s leeway). Known, intended divergences, where we are
// stricter, are listed in strictOnly and must go one way only: we refuse, golang-jwt accepts.
func TestDifferentialGolangJWT(t *testing.T) {
	ks, err := ParseJWKS(mint.JWKS(testRSA, testEC))
	if err != nil {
		t.Fatal(err)
	}
	pub := map[string]any{"rsa-1": jwkPublic(t, ks, "rsa-1"), "ec-1": jwkPublic(t, ks, "ec-1")}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256", "ES256"}),
		jwt.WithIssuer(testPolicy.Issuer), jwt.WithAudience("api"),
		jwt.WithExpirationRequired(), jwt.WithLeeway(testPolicy.ClockSkew),
		jwt.WithTimeFunc(func() time.Time { return testNow }),
	)
	theirs := func(raw string) bool {
		_, err := parser.Parse(raw, func(tok *jwt.Token) (any, error) {
			kid, _ := tok.Header["kid"].(string)
			return pub[kid], nil
		})
		return err == nil
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var seeds []string
	for _, k := range []*mint.Key{testRSA, testEC} {
		seeds = append(seeds,
			sign(t, k, validClaims(nil), nil),
			sign(t, k, validClaims(map[string]any{"aud": []string{"x", "api"}}), nil),
			sign(t, k, validClaims(map[string]any{"exp": testNow.Unix() - 30}), nil),
			sign(t, k, validClaims(map[string]any{"exp": testNow.Unix() - 90}), nil),
			sign(t, k, validClaims(map[string]any{"nbf": testNow.Unix() + 90}), nil),
			sign(t, k, validClaims(map[string]any{"iss": "https://evil/"}), nil),
			sign(t, k, validClaims(map[string]any{"aud": "other"}), nil),
			sign(t, k, validClaims(map[string]any{"exp": nil}), nil),
		)
	}
	agree, total := 0, 0
	for _, seed := range seeds {
		cases := []string{seed}
		for i := 0; i < 60; i++ {
			cases = append(cases, mutate(rng, seed))
		}
		for _, raw := range cases {
			total++
			ours := check(raw, ks, testPolicy) == nil
			if ours == theirs(raw) {
				agree++
				continue
			}
			if !ours && strictOnly(raw) {
				continue // intended: stricter than golang-jwt
			}
			t.Errorf("verdicts differ (ours accept=%v, golang-jwt accept=%v) on a mutation of a %s token: %v",
				ours, !ours, strings.SplitN(seed, ".", 2)[0], check(raw, ks, testPolicy))
		}
	}
	if total < 900 {
		t.Fatalf("only %d cases ran", total)
	}
	t.Logf("%d of %d cases agree; the rest are documented strictness", agree, total)
}

// strictOnly reports the known cases where we refuse what golang-jwt accepts: base64 with
// non-zero trailing bits or padding (golang-jwt decodes leniently), duplicate JSON members,
// and an ES256 signature encoding golang-jwt's big.Int parsing tolerates.
func strictOnly(raw string) bool {
	for _, seg := range strings.Split(raw, ".") {
		if _, err := b64url.DecodeString(seg); err != nil {
			return true
		}
	}
	_, err := Parse(raw, Limits{})
	return err == ErrDuplicateMember || err == ErrBadBase64
}

// mutate changes one thing: a character of a segment, a segment swapped for another
// encoding, the alg, or the payload re-signed... kept simple and reproducible.
func mutate(rng *rand.Rand, tok string) string {
	parts := strings.Split(tok, ".")
	switch rng.IntN(5) {
	case 0, 1: // flip a character in one segment
		i := rng.IntN(3)
		b := []byte(parts[i])
		if len(b) == 0 {
			return tok
		}
		j := rng.IntN(len(b))
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		b[j] = alphabet[rng.IntN(len(alphabet))]
		parts[i] = string(b)
	case 2: // swap the alg
		for _, alg := range []string{"none", "HS256", "RS256", "ES256", "PS256"} {
			if rng.IntN(2) == 0 {
				parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","kid":"rsa-1"}`))
				break
			}
		}
	case 3: // truncate the signature
		if len(parts[2]) > 4 {
			parts[2] = parts[2][:len(parts[2])-4]
		}
	case 4: // header kid pointing at the other key type
		parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","kid":"rsa-1"}`))
	}
	return strings.Join(parts, ".")
}

// jwkPublic extracts the crypto public key of kid for golang-jwt.
func jwkPublic(t *testing.T, ks *KeySet, kid string) any {
	keys := ks.byKid[kid]
	if len(keys) != 1 {
		t.Fatalf("want one key %s, have %d", kid, len(keys))
	}
	if keys[0].rsa != nil {
		return (*rsa.PublicKey)(keys[0].rsa)
	}
	return (*ecdsa.PublicKey)(keys[0].ec)
}
