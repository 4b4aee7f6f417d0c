package jwtverify

import "crypto/ed25519"

// verifyEdDSA is the primitive of EdDSA with Ed25519 (RFC 8037 §3.1, RFC 8032 §5.1.7) over
// the signing input itself (no prehash): the signature is exactly 64 bytes, and
// crypto/ed25519 refuses S ≥ L (malleability, RFC 8032 §5.1.7 step 1). The key's encoding
// was checked when it was parsed (ed25519PointProblem).
func verifyEdDSA(pub ed25519.PublicKey, msg string, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, []byte(msg), sig)
}
