//go:build wasm && !jwtguard_stdcrypto

package jwtverify

import "crypto/ecdsa"

// p256Verifier: in wasm, ES256 signatures are verified by p256Key (p256_verify.go), a
// fraction of what crypto/ecdsa costs there (issue 19; docs/performance.md), with the key's
// tables of multiples built once, at its first verification. ES384 and ES512 stay on
// crypto/ecdsa in every build. Build with -tags jwtguard_stdcrypto to use only the standard
// library's cryptography.
type p256Verifier = *p256Key

func newP256Verifier(pub *ecdsa.PublicKey) p256Verifier { return newP256Key(pub.X, pub.Y) }

func verifyP256With(v p256Verifier, _ *ecdsa.PublicKey, digest, sig []byte) bool {
	return v.verify(digest, sig)
}
