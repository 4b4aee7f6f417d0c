package jwtverify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"math/big"
)

// VerifySignature checks the token's signature with a key of ks and returns that key's id.
// The algorithm must be in allowed; the key is chosen by the token, never by trying keys
// until one works:
//   - with a kid, the keys with that kid (none: ErrUnknownKid, so the caller can refetch);
//     of those, the one that fits the algorithm (none: ErrNoMatchingKey; more than one:
//     ErrAmbiguousKey — a set that publishes one kid twice is ambiguous, as Wycheproof's
//     jws_duplicate_kid vector expects);
//   - without a kid, the single key of the set that fits the algorithm (else
//     ErrNoMatchingKey: falling back to "the first key" is how peers got this wrong).
func (t *Token) VerifySignature(ks *KeySet, allowed AlgorithmSet) (KeyID, error) {
	return t.jws.verify(ks, allowed)
}

func (t *jws) verify(ks *KeySet, allowed AlgorithmSet) (KeyID, error) {
	alg, ok := ParseAlgorithm(t.alg)
	if !ok || !allowed.Has(alg) {
		return "", ErrAlgNotAllowed
	}
	if ks == nil {
		return "", ErrKeySetEmpty
	}
	var key *Key
	if t.hasKid {
		candidates, ok := ks.byKid[t.kid]
		if !ok {
			return "", ErrUnknownKid
		}
		for _, k := range candidates {
			if k.fits(alg) {
				if key != nil {
					return "", ErrAmbiguousKey
				}
				key = k
			}
		}
	} else {
		for _, k := range ks.keys {
			if k.fits(alg) {
				if key != nil {
					return "", ErrNoMatchingKey
				}
				key = k
			}
		}
	}
	if key == nil {
		return "", ErrNoMatchingKey
	}
	digest := sha256.Sum256([]byte(t.signingInput))
	if !verifyDigest(alg, key, digest[:], t.signature) {
		return "", ErrBadSignature
	}
	return key.id, nil
}

// verifyDigest is the bare primitive: RSASSA-PKCS1-v1_5 (RFC 7518 §3.3; crypto/rsa refuses
// a signature whose length is not the modulus length) or ECDSA over P-256 with the 64-byte
// R||S encoding of RFC 7518 §3.4 (a DER signature, or any other length, is refused; R and S
// outside [1, n-1] are refused by ecdsa.Verify, which rules out "psychic signatures",
// CVE-2022-21449).
func verifyDigest(alg Algorithm, key *Key, digest, sig []byte) bool {
	switch alg {
	case RS256:
		return verifyRSAPKCS1v15(key, crypto.SHA256, digest, sig)
	case ES256:
		if key.ec == nil || len(sig) != 64 {
			return false
		}
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(key.ec, digest, r, s)
	}
	return false
}
