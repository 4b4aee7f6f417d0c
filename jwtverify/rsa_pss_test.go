package jwtverify

import (
	"crypto"
	crand "crypto/rand"
	"crypto/rsa"
	"math/rand/v2"
	"testing"
)

// TestRSAPSSDifferential: verifyPSS against crypto/rsa.VerifyPSS (salt length = hash
// length, RFC 7518 §3.5) on keys of 2048, 2049 (the encoded message one byte shorter than the
// modulus) and 3072 bits: valid PS256/384/512 signatures, flipped bits, other digests and
// hashes, salts of other lengths, random signatures. Verdicts must be identical.
func TestRSAPSSDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 5))
	type signed struct {
		h           crypto.Hash
		digest, sig []byte
	}
	var keys []*rsa.PrivateKey
	for _, bits := range []int{2048, 2049, 3072} {
		k, err := rsa.GenerateKey(crand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	mods := make([]*rsaModulus, len(keys))
	pools := make([][]signed, len(keys))
	for i, k := range keys {
		mods[i] = newRSAModulus(k.N, k.E)
		for j := 0; j < 12; j++ {
			h := rsaTestHashes[j%3]
			digest := make([]byte, h.Size())
			for b := range digest {
				digest[b] = byte(rng.Uint32())
			}
			salt := rsa.PSSSaltLengthEqualsHash
			if j >= 9 {
				salt = h.Size() - 1 + 2*(j%2) // other salt lengths: refused by both
			}
			sig, err := rsa.SignPSS(crand.Reader, k, h, digest, &rsa.PSSOptions{SaltLength: salt})
			if err != nil {
				t.Fatal(err)
			}
			pools[i] = append(pools[i], signed{h, digest, sig})
		}
	}
	opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
	accepted, cases := 0, 20_000
	if testing.Short() {
		cases = 2_000
	}
	for c := 0; c < cases; c++ {
		ki := rng.IntN(len(keys))
		base := pools[ki][rng.IntN(len(pools[ki]))]
		h, digest, sig := base.h, append([]byte{}, base.digest...), append([]byte{}, base.sig...)
		switch rng.IntN(6) {
		case 0:
			sig[rng.IntN(len(sig))] ^= 1 << rng.IntN(8)
		case 1:
			digest[rng.IntN(len(digest))] ^= 1
		case 2:
			h = rsaTestHashes[rng.IntN(3)]
			digest = append(digest, make([]byte, 64)...)[:h.Size()]
		case 3:
			for i := range sig {
				sig[i] = byte(rng.Uint32())
			}
		}
		theirs := rsa.VerifyPSS(&keys[ki].PublicKey, h, digest, sig, opts) == nil
		if ours := mods[ki].verifyPSS(h, digest, sig); ours != theirs {
			t.Fatalf("case %d (%d-bit key, %v): verifyPSS %v, crypto/rsa %v\nsig = %x\ndigest = %x", c, keys[ki].N.BitLen(), h, ours, theirs, sig, digest)
		}
		if theirs {
			accepted++
		}
	}
	if accepted == 0 || accepted == cases {
		t.Fatalf("%d of %d accepted: the cases do not exercise both verdicts", accepted, cases)
	}
	t.Logf("%d cases agree with crypto/rsa (%d accepted)", cases, accepted)
}
