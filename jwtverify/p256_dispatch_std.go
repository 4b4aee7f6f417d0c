//go:build !wasm || jwtguard_stdcrypto

package jwtverify

import "crypto/ecdsa"

// p256Verifier: natively, and in wasm with -tags jwtguard_stdcrypto, ES256 is verified by
// crypto/ecdsa, which keeps nothing per key. The plugin only runs as wasm; the native build
// (tests, tools) follows the RSA choice (rsa_dispatch_std.go) and keeps the standard library,
// the oracle the tests compare p256Key with. p256Key is still compiled and tested in these
// builds, only not dispatched to.
type p256Verifier = struct{}

func newP256Verifier(*ecdsa.PublicKey) p256Verifier { return p256Verifier{} }

func verifyP256With(_ p256Verifier, pub *ecdsa.PublicKey, digest, sig []byte) bool {
	return verifyECDSA(pub, curveP256, digest, sig)
}
