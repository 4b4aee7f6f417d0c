package jwtverify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
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
		if _, err := tok.VerifySignature(ks, AllAlgorithms); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRS256(b *testing.B) { benchVerify(b, testRSA) }
func BenchmarkVerifyES256(b *testing.B) { benchVerify(b, testEC) }

// BenchmarkVerifyAlg and BenchmarkStdlibAlg: every algorithm, ours next to the bare
// standard-library primitive (hash and verify) on the same token and key, one sub-benchmark
// per algorithm: go test -run '^$' -bench 'Alg/' -benchmem ./jwtverify
func BenchmarkVerifyAlg(b *testing.B) {
	ks, err := ParseJWKS(mint.JWKS(allAlgKeys()...))
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range allAlgKeys() {
		raw := sign(b, k, validClaims(nil), nil)
		b.Run(k.Alg, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tok, err := Parse(raw, Limits{})
				if err != nil {
					b.Fatal(err)
				}
				if err := tok.ValidateClaims(testNow, &testPolicy); err != nil {
					b.Fatal(err)
				}
				if _, err := tok.VerifySignature(ks, AllAlgorithms); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkStdlibAlg(b *testing.B) {
	for _, k := range allAlgKeys() {
		raw := sign(b, k, validClaims(nil), nil)
		i := strings.LastIndexByte(raw, '.')
		input := raw[:i]
		sig, _ := b64url.DecodeString(raw[i+1:])
		verify := stdlibVerifier(b, k)
		b.Run(k.Alg, func(b *testing.B) {
			b.ReportAllocs()
			for n := 0; n < b.N; n++ {
				if !verify(input, sig) {
					b.Fatal("verify")
				}
			}
		})
	}
}

// stdlibVerifier is the standard library's verification of k's algorithm, written out per
// algorithm with crypto/* only (no jwtverify code), reading the key from k's public half.
func stdlibVerifier(b *testing.B, k *mint.Key) func(input string, sig []byte) bool {
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		h := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}[k.Alg[2:]]
		pss := k.Alg[0] == 'P'
		return func(input string, sig []byte) bool {
			hh := h.New()
			hh.Write([]byte(input))
			d := hh.Sum(nil)
			if pss {
				return rsa.VerifyPSS(pub, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
			}
			return rsa.VerifyPKCS1v15(pub, h, d, sig) == nil
		}
	case *ecdsa.PublicKey:
		n := (pub.Curve.Params().BitSize + 7) / 8
		return func(input string, sig []byte) bool {
			var d []byte
			switch n {
			case 32:
				s := sha256.Sum256([]byte(input))
				d = s[:]
			case 48:
				s := sha512.Sum384([]byte(input))
				d = s[:]
			default:
				s := sha512.Sum512([]byte(input))
				d = s[:]
			}
			return ecdsa.Verify(pub, d, new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]))
		}
	case ed25519.PublicKey:
		return func(input string, sig []byte) bool { return ed25519.Verify(pub, []byte(input), sig) }
	}
	b.Fatalf("no verifier for %s", k.Alg)
	return nil
}

func BenchmarkStdlibRS256(b *testing.B) {
	raw, ks := benchToken(b, testRSA)
	i := strings.LastIndexByte(raw, '.')
	sig, _ := b64url.DecodeString(raw[i+1:])
	pub := stdRSA(ks.byKid["rsa-1"][0])
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
