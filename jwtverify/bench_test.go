package jwtverify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// Benchmarks of the verification path against the bare standard-library primitive on the
// same data (the floor): go test -run '^$' -bench . -benchmem ./jwtverify

func benchToken(b *testing.B, k *mint.Key) (string, *KeySet) {
	ks, err := ParseJWKS(mint.JWKS(testRSA, testEC))
	if err != nil {
		b.Fatal(err)
	}
	return sign(b, k, validClaims(nil), nil), ks
}

func benchVerify(b *testing.B, k *mint.Key) {
	raw, ks := benchToken(b, k)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tok, err := Parse(raw, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if err := tok.ValidateClaims(testNow, &testPolicy); err != nil {
			b.Fatal(err)
		}
		if _, err := tok.VerifySignature(ks, DefaultAlgorithms); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRS256(b *testing.B) { benchVerify(b, testRSA) }
func BenchmarkVerifyES256(b *testing.B) { benchVerify(b, testEC) }

func BenchmarkStdlibRS256(b *testing.B) {
	raw, ks := benchToken(b, testRSA)
	i := strings.LastIndexByte(raw, '.')
	sig, _ := b64url.DecodeString(raw[i+1:])
	pub := ks.byKid["rsa-1"][0].rsa
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		d := sha256.Sum256([]byte(raw[:i]))
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig) != nil {
			b.Fatal("verify")
		}
	}
}

func BenchmarkStdlibES256(b *testing.B) {
	raw, ks := benchToken(b, testEC)
	i := strings.LastIndexByte(raw, '.')
	sig, _ := b64url.DecodeString(raw[i+1:])
	pub := ks.byKid["ec-1"][0].ec
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		d := sha256.Sum256([]byte(raw[:i]))
		if !ecdsa.Verify(pub, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			b.Fatal("verify")
		}
	}
}

// BenchmarkParseAndClaims is the cost of everything but the signature: parse, claims,
// scopes and a claim header.
func BenchmarkParseAndClaims(b *testing.B) {
	raw, _ := benchToken(b, testRSA)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tok, err := Parse(raw, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if err := tok.ValidateClaims(testNow, &testPolicy); err != nil {
			b.Fatal(err)
		}
		if len(tok.Scopes(testScopePaths)) != 2 {
			b.Fatal("scopes")
		}
		if _, found := tok.Claim(subPath); found != ClaimFound {
			b.Fatal("sub")
		}
	}
}

func BenchmarkParseJWKS(b *testing.B) {
	doc := mint.JWKS(testRSA, testRSA2, testEC)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseJWKS(doc); err != nil {
			b.Fatal(err)
		}
	}
}
