package jwtverify

import "crypto/rsa"

// pssSaltEqualsHash makes crypto/rsa demand a salt exactly as long as the hash, as RFC 7518
// §3.5 requires of PS256/PS384/PS512; crypto/rsa's MGF1 always uses the signature's hash,
// which RFC 7518 §3.5 also requires. Any other salt length is refused.
var pssSaltEqualsHash = rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}

// verifyRSA is the RSA primitive of RS* (RSASSA-PKCS1-v1_5, RFC 7518 §3.3) and PS*
// (RSASSA-PSS, §3.5) over the digest of the signing input; crypto/rsa refuses a signature
// whose length is not the modulus length (RFC 8017 §8.1.2 and §8.2.2 step 1). The choice is
// alg → (hash, PKCS#1 or PSS) and nothing else, so that another RSA implementation can take
// its place here.
func verifyRSA(alg Algorithm, pub *rsa.PublicKey, digest, sig []byte) bool {
	info := algInfo[alg]
	if info.family != familyRSA {
		return false
	}
	if info.pss {
		return rsa.VerifyPSS(pub, info.hash, digest, sig, &pssSaltEqualsHash) == nil
	}
	return rsa.VerifyPKCS1v15(pub, info.hash, digest, sig) == nil
}
