package jwtverify

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"math/big"
	"testing"
)

// FuzzRSAPKCS1v15: the same verification by rsaModulus and by crypto/rsa on one of
// rsaTestKeys; any difference in verdict fails. With sign set, sig is read as an encoded
// message and signed with the private exponent first, so that the fuzzer explores the
// encoding check itself rather than signatures that almost never verify.
func FuzzRSAPKCS1v15(f *testing.F) {
	keys := rsaTestKeys()
	k := keys[0]
	digest := bytes.Repeat([]byte{0xab}, 32)
	good := pkcs1EM(k.mod.size, crypto.SHA256, digest)
	f.Add(uint8(0), uint8(0), digest, good, true)
	f.Add(uint8(0), uint8(0), digest, k.signEM(good), false)
	f.Add(uint8(1), uint8(1), digest, []byte{0, 1, 0xff, 0}, true)
	f.Add(uint8(2), uint8(2), []byte{}, []byte{}, false)
	for _, em := range badEncodings(good, crypto.SHA256) {
		f.Add(uint8(0), uint8(0), digest, em, true)
	}
	f.Fuzz(func(t *testing.T, ki, hi uint8, digest, sig []byte, sign bool) {
		k := keys[int(ki)%len(keys)]
		h := rsaTestHashes[int(hi)%len(rsaTestHashes)]
		if sign {
			if len(sig) > k.mod.size || new(big.Int).SetBytes(sig).Cmp(k.pub.N) >= 0 {
				return
			}
			sig = k.signEM(append(make([]byte, k.mod.size-len(sig)), sig...))
		}
		theirs := rsa.VerifyPKCS1v15(k.pub, h, digest, sig) == nil
		if ours := k.mod.verifyPKCS1v15(h, digest, sig); ours != theirs {
			t.Fatalf("%d-bit key, e = %d, %v: rsaModulus %v, crypto/rsa %v", k.pub.N.BitLen(), k.pub.E, h, ours, theirs)
		}
	})
}

// FuzzRSAModulus: RSAVP1 of rsaModulus against math/big on any odd modulus the key-set rules
// accept (the fuzzer's bytes, forced to 2048 bits or more and odd), any allowed exponent and
// any signature of the modulus' length.
func FuzzRSAModulus(f *testing.F) {
	f.Add(bytes.Repeat([]byte{0xff}, 256), uint32(65537), []byte{1})
	f.Add(bytes.Repeat([]byte{0x80, 0x01}, 129), uint32(3), bytes.Repeat([]byte{0x7f}, 258))
	f.Add([]byte{0xc5}, uint32(1<<31-1), []byte{})
	f.Fuzz(func(t *testing.T, nb []byte, e uint32, sb []byte) {
		if len(nb) > maxRSABits/8 || len(sb) > maxRSABits/8 {
			return
		}
		n := new(big.Int).SetBytes(nb)
		if n.BitLen() < minRSABits {
			n.SetBit(n, minRSABits-1, 1)
		}
		n.SetBit(n, 0, 1)
		e = e%(maxExponent-2) | 1
		if e < 3 {
			e = 3
		}
		size := (n.BitLen() + 7) / 8
		s := new(big.Int).SetBytes(sb)
		if s.BitLen() > 8*size {
			return
		}
		checkRSAVP1(t, "fuzz", n, int(e), s)
	})
}

// FuzzRSAPSS: verifyPSS and crypto/rsa.VerifyPSS (salt length = hash length) give the same
// verdict on the fuzzer's key (of rsaTestKeys), hash, digest and signature.
func FuzzRSAPSS(f *testing.F) {
	keys := rsaTestKeys()
	f.Add(uint8(0), uint8(0), bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{0xbc}, keys[0].mod.size))
	f.Add(uint8(2), uint8(1), bytes.Repeat([]byte{2}, 48), []byte{0xbc})
	f.Fuzz(func(t *testing.T, ki, hi uint8, digest, sig []byte) {
		k := keys[int(ki)%len(keys)]
		h := rsaTestHashes[int(hi)%len(rsaTestHashes)]
		theirs := rsa.VerifyPSS(k.pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		if ours := k.mod.verifyPSS(h, digest, sig); ours != theirs {
			t.Fatalf("%d-bit key, %v: verifyPSS %v, crypto/rsa %v", k.pub.N.BitLen(), h, ours, theirs)
		}
	})
}
