package jwtverify

import (
	"crypto/ecdsa"
	"math/big"
)

// verifyECDSA is the primitive of ES256/ES384/ES512 (RFC 7518 §3.4): the signature is R || S,
// each exactly the curve's octet length (32, 48, 66), so a DER signature or any other length
// is refused; R and S outside [1, n-1] are refused by ecdsa.Verify, which rules out
// "psychic signatures" (CVE-2022-21449).
func verifyECDSA(pub *ecdsa.PublicKey, c curveID, digest, sig []byte) bool {
	n := curveInfo[c].size
	if pub == nil || len(sig) != 2*n {
		return false
	}
	r := new(big.Int).SetBytes(sig[:n])
	s := new(big.Int).SetBytes(sig[n:])
	return ecdsa.Verify(pub, digest, r, s)
}
