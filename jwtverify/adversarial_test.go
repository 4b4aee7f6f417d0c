package jwtverify

import (
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// Attacks from the public record of this product category, each pinned to its exact outcome.
func TestAdversarialTokens(t *testing.T) {
	ks, err := ParseJWKS(mint.JWKS(testRSA, testEC))
	if err != nil {
		t.Fatal(err)
	}
	attacker, err := mint.NewRSA("attacker", 2048)
	if err != nil {
		t.Fatal(err)
	}
	valid := sign(t, testRSA, validClaims(nil), nil)
	parts := strings.Split(valid, ".")
	ecParts := strings.Split(sign(t, testEC, validClaims(nil), nil), ".")
	n := new(big.Int).SetBytes([]byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51}) // P-256 order
	rs := func(r, s *big.Int) string {
		b := make([]byte, 64)
		r.FillBytes(b[:32])
		s.FillBytes(b[32:])
		return ecParts[0] + "." + ecParts[1] + "." + base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"alg None", b64(`{"alg":"None"}`) + "." + parts[1] + ".AA", ErrAlgNotAllowed},
		{"alg nOnE", b64(`{"alg":"nOnE","kid":"rsa-1"}`) + "." + parts[1] + ".AA", ErrAlgNotAllowed},
		{"HS256 with the RSA public key as secret (alg confusion)", b64(`{"alg":"HS256","kid":"rsa-1"}`) + "." + parts[1] + "." + parts[2], ErrAlgNotAllowed},
		{"embedded jwk of the attacker is never used", sign(t, attacker, validClaims(nil), map[string]any{"jwk": attacker.JWK(), "kid": "attacker"}), ErrUnknownKid},
		{"embedded jwk under a real kid still needs the real key", sign(t, attacker, validClaims(nil), map[string]any{"jwk": attacker.JWK(), "kid": "rsa-1"}), ErrBadSignature},
		{"jku pointing elsewhere is ignored", sign(t, attacker, validClaims(nil), map[string]any{"jku": "https://evil/jwks", "kid": "rsa-1"}), ErrBadSignature},
		{"x5c is ignored", sign(t, attacker, validClaims(nil), map[string]any{"x5c": []string{"MIIB"}, "kid": "rsa-1"}), ErrBadSignature},
		{"kid with path traversal", sign(t, testRSA, validClaims(nil), map[string]any{"kid": "../../etc/passwd"}), ErrUnknownKid},
		{"kid with control characters", sign(t, testRSA, validClaims(nil), map[string]any{"kid": "rsa-1\x00"}), ErrUnknownKid},
		{"ES256 s = n", rs(big.NewInt(1), n), ErrBadSignature},
		{"ES256 r = n", rs(n, big.NewInt(1)), ErrBadSignature},
		{"ES256 r = s = n-1 bits", rs(new(big.Int).Sub(n, big.NewInt(1)), new(big.Int).Sub(n, big.NewInt(1))), ErrBadSignature},
		{"ES256 signature 63 bytes", ecParts[0] + "." + ecParts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 63)), ErrBadSignature},
		{"RSA signature one byte short", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(mustDecode(t, parts[2])[1:]), ErrBadSignature},
		{"RSA signature one byte long", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(append([]byte{0}, mustDecode(t, parts[2])...)), ErrBadSignature},
		{"payload nested 32 deep (the bound) verifies", signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, `{"exp":4102444800,"a":`+strings.Repeat("[", 31)+strings.Repeat("]", 31)+`}`), nil},
		{"payload nested 33 deep", signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, `{"a":`+strings.Repeat("[", 32)+strings.Repeat("]", 32)+`}`), ErrBadJSON},
		{"header nested 1000 deep", signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1","x":`+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+`}`, `{}`), ErrBadJSON},
		{"brackets inside strings do not count as nesting", signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, `{"exp":4102444800,"a":"`+strings.Repeat("[{\\\"", 100)+`"}`), nil},
		{"non-UTF-8 in a claim", signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, "{\"sub\":\"\xff\xfe\"}"), ErrBadJSON},
		{"64 KiB token", valid + strings.Repeat("A", 64<<10), ErrTokenTooLarge},
		{"whitespace around segments", " " + valid, ErrBadBase64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := Parse(tc.token, Limits{})
			if err == nil {
				_, err = tok.VerifySignature(ks, AllAlgorithms)
			}
			if tc.want == nil {
				// Signed by our key, within every bound: it verifies.
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v (%s), want %s", err, ReasonOf(err).Name(), ReasonOf(tc.want).Name())
			}
		})
	}
}

func mustDecode(t *testing.T, s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Hostile key sets: huge, many keys, points at infinity, huge exponents.
func TestAdversarialKeySets(t *testing.T) {
	many := make([]string, MaxJWKSKeys+1)
	for i := range many {
		many[i] = jwkJSON(testEC)
	}
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"more keys than MaxJWKSKeys", `{"keys":[` + strings.Join(many, ",") + `]}`, ErrBadJWKS},
		{"10 MB of padding", `{"keys":[` + jwkJSON(testEC) + `],"x":"` + strings.Repeat("a", 10<<20) + `"}`, nil},
		{"point at infinity", `{"keys":[{"kty":"EC","crv":"P-256","x":"` + b64(string(make([]byte, 32))) + `","y":"` + b64(string(make([]byte, 32))) + `"}]}`, ErrKeySetEmpty},
		{"huge exponent", `{"keys":[` + strings.Replace(jwkJSON(testRSA), `"e":"AQAB"`, `"e":"`+b64(strings.Repeat("\xff", 64))+`"`, 1) + `]}`, ErrKeySetEmpty},
		{"deeply nested junk", `{"keys":[` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `]}`, ErrBadJWKS},
		{"4 MiB of '[' (max_jwks_bytes at its largest)", strings.Repeat("[", 4<<20), ErrBadJWKS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJWKS([]byte(tc.doc))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestRegressionStackOverflowOnDeepNesting pins a crash found while probing limits: gjson
// validates recursively, and a JWKS answer of 20 MiB of '[' overflowed the 1 GB goroutine
// stack (fatal error: stack overflow — not a panic, so no recover could save the VM; in
// wasm far less depth exhausts linear memory). The nesting bound now refuses such
// documents before gjson sees them, whatever their size.
func TestRegressionStackOverflowOnDeepNesting(t *testing.T) {
	for _, n := range []int{1 << 20, 20 << 20} {
		doc := `{"keys":[` + strings.Repeat("[", n) + strings.Repeat("]", n) + `]}`
		if _, err := ParseJWKS([]byte(doc)); !errors.Is(err, ErrBadJWKS) {
			t.Fatalf("%d levels: got %v, want bad_jwks", n, err)
		}
	}
	deep := strings.Repeat("[", 1<<20)
	tok := b64(`{"alg":"RS256","kid":"rsa-1"}`) + "." + b64(deep) + ".AA"
	if _, err := Parse(tok, Limits{MaxTokenBytes: 4 << 20}); !errors.Is(err, ErrBadJSON) {
		t.Fatalf("token: got %v, want bad_json", err)
	}
}
