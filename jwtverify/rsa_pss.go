package jwtverify

import (
	"crypto"
	"crypto/subtle"
)

// verifyPSS is RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) on the encoded message rsaModulus
// recovers, with EMSA-PSS-VERIFY (§9.1.2) as RFC 7518 §3.5 fixes it for PS256/384/512: MGF1
// with the signature's hash and a salt exactly as long as the hash, as crypto/rsa checks
// with PSSSaltLengthEqualsHash.
func (m *rsaModulus) verifyPSS(hash crypto.Hash, digest, sig []byte) bool {
	hLen := hash.Size()
	if !hash.Available() || len(digest) != hLen {
		return false
	}
	emBits := m.bits - 1
	emLen := (emBits + 7) / 8
	sLen := hLen
	if emLen < hLen+sLen+2 { // §9.1.2 step 3
		return false
	}
	em, sc, ok := m.encodedMessage(sig)
	if !ok {
		return false
	}
	defer m.release(sc)
	// §8.1.2 step 2c: EM is the integer on emLen bytes; when that is one byte less than the
	// modulus, the byte above must be zero.
	if emLen < len(em) {
		if em[0] != 0 {
			return false
		}
		em = em[1:]
	}
	if em[emLen-1] != 0xbc { // step 4
		return false
	}
	maskedDB, h := em[:emLen-hLen-1], em[emLen-hLen-1:emLen-1]
	topMask := byte(0xff >> (8*emLen - emBits))
	if maskedDB[0]&^topMask != 0 { // step 6
		return false
	}
	db := make([]byte, len(maskedDB))
	mgf1(db, hash, h)
	for i := range db {
		db[i] ^= maskedDB[i]
	}
	db[0] &= topMask
	ps := emLen - hLen - sLen - 2
	for _, b := range db[:ps] { // step 10
		if b != 0 {
			return false
		}
	}
	if db[ps] != 1 {
		return false
	}
	// M' = 0x00·8 ‖ digest ‖ salt, written as one copy: a slice passed to the hash's Write
	// (an interface call) escapes, and digest is the caller's array (verify.go's digest),
	// which would then be allocated on the heap for every algorithm, not only PSS.
	mp := make([]byte, 8, 8+hLen+sLen)
	mp = append(append(mp, digest...), db[len(db)-sLen:]...)
	hh := hash.New()
	hh.Write(mp)
	return subtle.ConstantTimeCompare(hh.Sum(nil), h) == 1 // step 14
}

// mgf1 sets out to MGF1(seed, len(out)) with hash (RFC 8017 B.2.1).
func mgf1(out []byte, hash crypto.Hash, seed []byte) {
	h := hash.New()
	var counter [4]byte
	done := 0
	for done < len(out) {
		h.Reset()
		h.Write(seed)
		h.Write(counter[:])
		done += copy(out[done:], h.Sum(nil))
		for i := 3; i >= 0; i-- {
			counter[i]++
			if counter[i] != 0 {
				break
			}
		}
	}
}
