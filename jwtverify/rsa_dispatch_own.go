//go:build wasm && !jwtguard_stdcrypto

package jwtverify

import (
	"crypto"
	"math/big"
)

// In wasm, RSA signatures are verified by rsaModulus, about a third of what crypto/rsa costs
// there (issue 19; docs/performance.md), and crypto/rsa is not linked at all (issue 18's size
// bar). Build with -tags jwtguard_stdcrypto to use only the standard library's cryptography.

// rsaVerifier is the per-key Montgomery context.
type rsaVerifier = *rsaModulus

func newRSAVerifier(n *big.Int, e int) rsaVerifier { return newRSAModulus(n, e) }

func verifyRSAWith(m rsaVerifier, hash crypto.Hash, pss bool, digest, sig []byte) bool {
	if pss {
		return m.verifyPSS(hash, digest, sig)
	}
	return m.verifyPKCS1v15(hash, digest, sig)
}
