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
	f.Add(mint.JWKS(allAlgKeys()...))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
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

// FuzzVerify: a token mutated by the fuzzer never verifies unless its signing input is one
// that was signed, whatever its algorithm: the key set holds a key of every algorithm and
// the seeds are a token of each (ECDSA signatures are not unique, (r, n-s) also verifies, so
// only the signing input must be a signed one).
func FuzzVerify(f *testing.F) {
	keys := append([]*mint.Key{testRSA, testEC}, allAlgKeys()...)
	ks, err := ParseJWKS(mint.JWKS(keys...))
	if err != nil {
		f.Fatal(err)
	}
	signed := map[string]bool{}
	for _, k := range keys {
		tok := sign(f, k, validClaims(nil), nil)
		f.Add(tok)
		signed[tok[:strings.LastIndexByte(tok, '.')]] = true
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Parse(raw, Limits{})
		if err != nil {
			return
		}
		if _, err := tok.VerifySignature(ks, AllAlgorithms); err == nil && !signed[tok.signingInput] {
			t.Fatalf("a token that was never signed verified")
		}
	})
}
