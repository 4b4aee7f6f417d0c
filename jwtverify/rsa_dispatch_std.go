//go:build !wasm || jwtguard_stdcrypto

package jwtverify

import (
	"crypto"
	"crypto/rsa"
	"math/big"
)

// Natively crypto/rsa has assembly and a 128-bit multiply and is faster than rsaModulus
// (issue 19); with -tags jwtguard_stdcrypto it is used in wasm as well.

// rsaVerifier is crypto/rsa's key.
type rsaVerifier = *rsa.PublicKey

func newRSAVerifier(n *big.Int, e int) rsaVerifier { return &rsa.PublicKey{N: n, E: e} }

// pssSaltEqualsHash makes crypto/rsa demand a salt exactly as long as the hash, as RFC 7518
// §3.5 requires of PS256/PS384/PS512; crypto/rsa's MGF1 always uses the signature's hash,
// which RFC 7518 §3.5 also requires. Any other salt length is refused.
var pssSaltEqualsHash = rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}

// verifyRSAWith: crypto/rsa refuses a signature whose length is not the modulus length
// (RFC 8017 §8.1.2 and §8.2.2 step 1).
func verifyRSAWith(pub rsaVerifier, hash crypto.Hash, pss bool, digest, sig []byte) bool {
	if pss {
		return rsa.VerifyPSS(pub, hash, digest, sig, &pssSaltEqualsHash) == nil
	}
	return rsa.VerifyPKCS1v15(pub, hash, digest, sig) == nil
}
