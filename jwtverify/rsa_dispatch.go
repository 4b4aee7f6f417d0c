package jwtverify

import "crypto/rsa"

// prepareRSA computes what verifying with pub needs beyond the key itself, once, when the
// key set is parsed: nothing for crypto/rsa, the Montgomery context for rsaModulus.
func prepareRSA(k *Key, pub *rsa.PublicKey) {
	k.rsa = pub
	if ownRSA {
		k.rsaMod = newRSAModulus(pub)
	}
}

// verifyRSAKey is the RSA primitive of the token path (RS* and PS*, alg_rsa.go) with the
// key's implementation for this build: rsaModulus (PKCS#1 v1.5 and PSS) when ownRSA,
// crypto/rsa (verifyRSA) otherwise.
func verifyRSAKey(alg Algorithm, k *Key, digest, sig []byte) bool {
	info := algInfo[alg]
	if k.rsa == nil || info.family != familyRSA {
		return false
	}
	if !ownRSA {
		return verifyRSA(alg, k.rsa, digest, sig)
	}
	if info.pss {
		return k.rsaMod.verifyPSS(info.hash, digest, sig)
	}
	return k.rsaMod.verifyPKCS1v15(info.hash, digest, sig)
}
