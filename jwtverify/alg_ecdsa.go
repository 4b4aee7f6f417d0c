package jwtverify

import (
	"crypto/ecdsa"
	"math/big"
)

// verifyECDSAKey is the ECDSA primitive of the token path: ES256 with the P-256 key's
// implementation for this build (p256_dispatch_*.go), ES384 and ES512 with crypto/ecdsa.
func verifyECDSAKey(k *Key, digest, sig []byte) bool {
	if k.curve == curveP256 {
		return verifyP256With(k.p256, k.ec, digest, sig)
	}
	return verifyECDSA(k.ec, k.curve, digest, sig)
}

// verifyECDSA is the primitive of ES256/ES384/ES512 (RFC 7518 §3.4): the signature is R || S,
// each exactly the curve's octet length (32, 48, 66), so a DER signature or any other length
// is refused; R and S outside [1, n-1] are refused by ecdsa.Verify, which rules out
// "psychic signatures" (CVE-2022-21449). An empty digest is refused: crypto/ecdsa refuses
// one from Go 1.27 on ("hash cannot be empty") and accepts it before, and the verdict must not
// depend on the toolchain (a JWS digest is never empty; only tests pass one).
func verifyECDSA(pub *ecdsa.PublicKey, c curveID, digest, sig []byte) bool {
	n := curveInfo[c].size
	if pub == nil || len(sig) != 2*n || len(digest) == 0 {
		return false
	}
	r := new(big.Int).SetBytes(sig[:n])
	s := new(big.Int).SetBytes(sig[n:])
	return ecdsa.Verify(pub, digest, r, s)
}
