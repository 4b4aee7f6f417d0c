package jwtverify

import "math/big"

// rsaKey is an RSA public key of a set, with what this build verifies it with. The
// implementation is chosen by build tags (rsa_dispatch_own.go, rsa_dispatch_std.go) so that
// crypto/rsa is not linked into a module that does not call it.
type rsaKey struct {
	n *big.Int
	e int
	v rsaVerifier // newRSAVerifier(n, e), once, when the key set is parsed
}

// verifyRSAKey is the RSA primitive of the token path: RS* (RSASSA-PKCS1-v1_5, RFC 7518
// §3.3) and PS* (RSASSA-PSS, §3.5) over the digest of the signing input, with the key's
// implementation for this build. The choice is alg → (hash, PKCS#1 or PSS) and nothing else.
func verifyRSAKey(alg Algorithm, k *Key, digest, sig []byte) bool {
	info := algInfo[alg]
	if k.rsa == nil || info.family != familyRSA {
		return false
	}
	return verifyRSAWith(k.rsa.v, info.hash, info.pss, digest, sig)
}
