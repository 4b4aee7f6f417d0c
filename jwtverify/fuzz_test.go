package jwtverify

import (
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// FuzzParse: any string parses or is refused with a catalogue reason; nothing panics.
func FuzzParse(f *testing.F) {
	f.Add(rfc7515A2Token)
	f.Add(rfc7515A3Token)
	f.Add(sign(f, testRSA, validClaims(nil), nil))
	f.Add("a.b.c")
	f.Add("e30.e30.AA")
	f.Add("..")
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Parse(raw, Limits{})
		if err != nil {
			if ReasonOf(err).Name() == "verification_failed" {
				t.Fatalf("error outside the catalogue: %v", err)
			}
			return
		}
		_ = tok.ValidateClaims(testNow, &testPolicy)
		_ = tok.Scopes(testScopePaths)
		for _, p := range fuzzPaths {
			_, _ = tok.Claim(p)
		}
		_, _ = tok.Expiry()
	})
}

// FuzzParseJWKS: any document parses or is refused; a parsed set has at least one key.
func FuzzParseJWKS(f *testing.F) {
	f.Add(mint.JWKS(testRSA, testEC))
	f.Add([]byte(rfc7515A2JWKS))
	f.Add([]byte(rfc7515A3JWKS))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AA"}]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		ks, err := ParseJWKS(doc)
		if err == nil && ks.Len() == 0 {
			t.Fatal("a parsed key set without keys")
		}
	})
}

// FuzzVerify: a token mutated by the fuzzer never verifies unless it is exactly the signed
// one (up to equivalent encodings, which strict base64 rules out).
func FuzzVerify(f *testing.F) {
	ks, err := ParseJWKS(mint.JWKS(testRSA, testEC))
	if err != nil {
		f.Fatal(err)
	}
	rsaTok := sign(f, testRSA, validClaims(nil), nil)
	ecTok := sign(f, testEC, validClaims(nil), nil)
	f.Add(rsaTok)
	f.Add(ecTok)
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Parse(raw, Limits{})
		if err != nil {
			return
		}
		if _, err := tok.VerifySignature(ks, DefaultAlgorithms); err == nil && raw != rsaTok && raw != ecTok {
			// ECDSA signatures are not unique: (r, n-s) also verifies. Only the signing
			// input must be the signed one.
			if tok.signingInput != rsaTok[:len(tok.signingInput)] && tok.signingInput != ecTok[:min(len(ecTok), len(tok.signingInput))] {
				t.Fatalf("a token that was never signed verified")
			}
		}
	})
}
