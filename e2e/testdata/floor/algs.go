package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"math/big"
	"os"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// floor_alg is the floor of every algorithm: the bare standard-library verification of
// FLOOR_ALG_TOKEN, whose algorithm is FLOOR_ALG, with the public key FLOOR_ALG_N (RSA) or
// FLOOR_ALG_X and FLOOR_ALG_Y (EC; X alone for Ed25519), base64url as in a JWK. It verifies
// n times and returns how many verified.
//
//go:wasmexport floor_alg
func floorAlg(n uint32) uint32 {
	alg := os.Getenv("FLOOR_ALG")
	input, sig := split(os.Getenv("FLOOR_ALG_TOKEN"))
	verify := verifierFor(alg)
	ok := uint32(0)
	for i := uint32(0); i < n; i++ {
		if verify(input, sig) {
			ok++
		}
	}
	return ok
}

func verifierFor(alg string) func(string, []byte) bool {
	switch alg[0] {
	case 'R', 'P':
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(b64(os.Getenv("FLOOR_ALG_N"))), E: 65537}
		h := mint.HashOf(alg)
		if alg[0] == 'P' {
			opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
			return func(input string, sig []byte) bool {
				return rsa.VerifyPSS(pub, h, mint.Digest(h, input), sig, opts) == nil
			}
		}
		return func(input string, sig []byte) bool {
			return rsa.VerifyPKCS1v15(pub, h, mint.Digest(h, input), sig) == nil
		}
	case 'E':
		if alg == "EdDSA" {
			pub := ed25519.PublicKey(b64(os.Getenv("FLOOR_ALG_X")))
			return func(input string, sig []byte) bool { return ed25519.Verify(pub, []byte(input), sig) }
		}
		curve := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		pub := &ecdsa.PublicKey{Curve: curve, X: new(big.Int).SetBytes(b64(os.Getenv("FLOOR_ALG_X"))), Y: new(big.Int).SetBytes(b64(os.Getenv("FLOOR_ALG_Y")))}
		size := (curve.Params().BitSize + 7) / 8
		h := mint.HashOf(alg)
		return func(input string, sig []byte) bool {
			return len(sig) == 2*size && ecdsa.Verify(pub, mint.Digest(h, input), new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:]))
		}
	}
	return func(string, []byte) bool { return false }
}
