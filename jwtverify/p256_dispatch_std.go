//go:build !wasm || jwtguard_stdcrypto

package jwtverify

import "crypto/ecdsa"

// ownP256: natively crypto/ecdsa has assembly and a 128-bit multiply and needs no per-key
// tables (issue 19); with -tags jwtguard_stdcrypto it is used in wasm as well. p256Key is
// still compiled (and tested against crypto/ecdsa) in these builds, only not dispatched to.
const ownP256 = false

// p256Verifier: crypto/ecdsa keeps nothing per key.
type p256Verifier = struct{}

func newP256Verifier(*ecdsa.PublicKey) p256Verifier { return p256Verifier{} }

func verifyP256With(_ p256Verifier, pub *ecdsa.PublicKey, digest, sig []byte) bool {
	return verifyECDSA(pub, curveP256, digest, sig)
}
