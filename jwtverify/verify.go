package jwtverify

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
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
	if !verifySignature(alg, key, t.signingInput, t.signature) {
		return "", ErrBadSignature
	}
	return key.id, nil
}

// verifySignature checks sig over the signing input with key under alg; a key that does not
// fit alg verifies nothing. Each family's primitive is in its own file (alg_rsa.go,
// alg_ecdsa.go, alg_eddsa.go).
func verifySignature(alg Algorithm, key *Key, input string, sig []byte) bool {
	if !key.fits(alg) {
		return false
	}
	var d [sha512.Size]byte // the digest, on the stack: no allocation per verification
	switch info := algInfo[alg]; info.family {
	case familyRSA:
		return verifyRSAKey(alg, key, digestInto(&d, info.hash, input), sig)
	case familyECDSA:
		return verifyECDSAKey(key, digestInto(&d, info.hash, input), sig)
	case familyEdDSA:
		return verifyEdDSA(key.ed, input, sig)
	}
	return false
}

// digestInto hashes the signing input with the algorithm's hash (RFC 7518 §3.1) into d and
// returns the digest's part of it: a digest returned as a slice of the function's own array
// would be allocated on the heap on every verification.
func digestInto(d *[sha512.Size]byte, h crypto.Hash, input string) []byte {
	switch h {
	case crypto.SHA384:
		*(*[sha512.Size384]byte)(d[:]) = sha512.Sum384([]byte(input))
		return d[:sha512.Size384]
	case crypto.SHA512:
		*d = sha512.Sum512([]byte(input))
		return d[:]
	}
	*(*[sha256.Size]byte)(d[:]) = sum256(input)
	return d[:sha256.Size]
}
