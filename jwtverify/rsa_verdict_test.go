package jwtverify

import (
	"crypto"
	crand "crypto/rand"
	"crypto/rsa"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// Whole RSASSA-PKCS1-v1_5 verifications, rsaModulus against crypto/rsa, on real keys: valid
// signatures, signatures of encoded messages that are wrong in one way each (signed with the
// private exponent, so that only the encoding check can refuse them), mutated signatures and
// random ones. The verdicts must be identical.

// verdictCases is the number of random cases of TestRSAVerdictDifferential: 10^5 by default,
// 10^4 with -short (docs/performance.md has the timings).
func verdictCases() int {
	if testing.Short() {
		return 10_000
	}
	return 100_000
}

// rsaTestKey is a key with its private exponent, for signing arbitrary encoded messages.
type rsaTestKey struct {
	pub *rsa.PublicKey
	d   *big.Int
	mod *rsaModulus
}

// genRSATestKey makes a key of exactly bits bits with public exponent e (crypto/rsa only
// makes e = 65537).
func genRSATestKey(t testing.TB, bits, e int) rsaTestKey {
	one := big.NewInt(1)
	for {
		p, err1 := crand.Prime(crand.Reader, bits-bits/2)
		q, err2 := crand.Prime(crand.Reader, bits/2)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits || p.Cmp(q) == 0 {
			continue
		}
		p1, q1 := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
		gcd := new(big.Int).GCD(nil, nil, p1, q1)
		lambda := new(big.Int).Div(new(big.Int).Mul(p1, q1), gcd)
		d := new(big.Int).ModInverse(big.NewInt(int64(e)), lambda)
		if d == nil {
			continue
		}
		pub := &rsa.PublicKey{N: n, E: e}
		return rsaTestKey{pub: pub, d: d, mod: newRSAModulus(pub.N, pub.E)}
	}
}

// rsaTestKeys: the accepted size boundaries and sizes around the byte, word and unroll
// boundaries, with small, usual and large exponents. Generated once per test binary.
var rsaTestKeys = sync.OnceValue(func() []rsaTestKey {
	t := &testing.T{}
	specs := []struct{ bits, e int }{
		{2048, 65537}, {2048, 3}, {2049, 65537}, {2055, 5}, {2056, maxExponent},
		{2113, 17}, {3072, 65537}, {4096, 65537},
	}
	keys := make([]rsaTestKey, len(specs))
	for i, s := range specs {
		keys[i] = genRSATestKey(t, s.bits, s.e)
	}
	return keys
})

// signEM is RSASP1 of an arbitrary encoded message (which must be < n): the signature whose
// recovered message is em, written on the modulus' length.
func (k rsaTestKey) signEM(em []byte) []byte {
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), k.d, k.pub.N)
	return s.FillBytes(make([]byte, k.mod.size))
}

// pkcs1EM is EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of digest on size bytes.
func pkcs1EM(size int, h crypto.Hash, digest []byte) []byte {
	prefix := digestInfoPrefix(h)
	em := make([]byte, size)
	em[1] = 1
	tail := append(append([]byte{}, prefix...), digest...)
	for i := 2; i < size-len(tail)-1; i++ {
		em[i] = 0xff
	}
	copy(em[size-len(tail):], tail)
	return em
}

var rsaTestHashes = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}

// badEncodings derives encoded messages that are wrong in one way each from a good one.
func badEncodings(good []byte, h crypto.Hash) map[string][]byte {
	size, tLen := len(good), len(digestInfoPrefix(h))+h.Size()
	mod := func(f func(em []byte)) []byte {
		em := append([]byte{}, good...)
		f(em)
		return em
	}
	sep := size - tLen - 1
	return map[string][]byte{
		"block type 2":        mod(func(em []byte) { em[1] = 2 }),
		"block type 0":        mod(func(em []byte) { em[1] = 0 }),
		"padding byte not ff": mod(func(em []byte) { em[2+(sep-2)/2] = 0xfe }),
		"no zero separator":   mod(func(em []byte) { em[sep] = 0xff }),
		"separator one early": mod(func(em []byte) { copy(em[sep-1:], good[sep:]); em[size-1] = 0 }),
		"DigestInfo length":   mod(func(em []byte) { em[sep+2]++ }),
		"other hash OID":      mod(func(em []byte) { em[sep+1+14] ^= 7 }),
		"NULL missing": mod(func(em []byte) {
			copy(em[sep-1:], good[sep:sep+15])
			copy(em[sep+14:], good[sep+17:])
			em[sep-1] = 0
			em[size-1], em[size-2] = 0, 0
		}),
		"digest bit flipped":   mod(func(em []byte) { em[size-1] ^= 1 }),
		"digest first byte":    mod(func(em []byte) { em[size-h.Size()] ^= 0x80 }),
		"leading byte nonzero": mod(func(em []byte) { em[0] = 0; em[1] = 0; em[2] = 1 }),
		"all padding": mod(func(em []byte) {
			for i := 2; i < size; i++ {
				em[i] = 0xff
			}
		}),
		"zero encoded message": make([]byte, size),
		"one":                  append(make([]byte, size-1), 1),
	}
}

// TestRSAVerdictDifferential: verdictCases() cases over rsaTestKeys.
func TestRSAVerdictDifferential(t *testing.T) {
	start := time.Now()
	keys := rsaTestKeys()
	rng := rand.New(rand.NewPCG(19, 4))
	// A pool of valid signatures per key and hash, and of signed bad encodings: signing
	// costs milliseconds, so the random cases draw from these and mutate them.
	type signed struct {
		h           crypto.Hash
		digest, sig []byte
		name        string
	}
	pools := make([][]signed, len(keys))
	for i, k := range keys {
		for j := 0; j < 8; j++ {
			h := rsaTestHashes[j%3]
			digest := make([]byte, h.Size())
			for b := range digest {
				digest[b] = byte(rng.Uint32())
			}
			good := pkcs1EM(k.mod.size, h, digest)
			pools[i] = append(pools[i], signed{h, digest, k.signEM(good), "valid"})
			if j >= 3 {
				continue
			}
			for name, em := range badEncodings(good, h) {
				if new(big.Int).SetBytes(em).Cmp(k.pub.N) < 0 {
					pools[i] = append(pools[i], signed{h, digest, k.signEM(em), name})
				}
			}
		}
	}
	setup := time.Since(start)
	agree, accepted := 0, 0
	cases := verdictCases()
	for c := 0; c < cases; c++ {
		ki := rng.IntN(len(keys))
		k, pool := keys[ki], pools[ki]
		base := pool[rng.IntN(len(pool))]
		h, digest, sig, what := base.h, base.digest, append([]byte{}, base.sig...), base.name
		switch rng.IntN(10) {
		case 0:
			sig[rng.IntN(len(sig))] ^= 1 << rng.IntN(8)
			what += ", a signature bit flipped"
		case 1:
			h = rsaTestHashes[rng.IntN(3)]
			what += ", verified as " + h.String()
		case 2:
			for i := range sig {
				sig[i] = byte(rng.Uint32())
			}
			what = "random signature"
		case 3:
			s := new(big.Int).Add(new(big.Int).SetBytes(sig), k.pub.N) // ≡ s mod n, but ≥ n
			if s.BitLen() <= 8*len(sig) {
				sig = s.FillBytes(sig)
				what += ", s + n"
			}
		case 4:
			if rng.IntN(2) == 0 {
				sig = sig[1:]
			} else {
				sig = append([]byte{0}, sig...)
			}
			what += ", length changed"
		}
		if len(digest) != h.Size() {
			digest = append(digest, make([]byte, 64)...)[:h.Size()]
		}
		theirs := rsa.VerifyPKCS1v15(k.pub, h, digest, sig) == nil
		ours := k.mod.verifyPKCS1v15(h, digest, sig)
		if ours != theirs {
			t.Fatalf("case %d (%d-bit key, e = %d, %s): rsaModulus %v, crypto/rsa %v\nn = %x\nsig = %x\ndigest = %x",
				c, k.pub.N.BitLen(), k.pub.E, what, ours, theirs, k.pub.N, sig, digest)
		}
		agree++
		if ours {
			accepted++
		}
	}
	if accepted == 0 || accepted == agree {
		t.Fatalf("%d cases, %d accepted: the cases do not exercise both verdicts", agree, accepted)
	}
	t.Logf("%d cases agree with crypto/rsa (%d accepted); keys and signatures %v, cases %v", agree, accepted,
		setup.Round(time.Millisecond), (time.Since(start) - setup).Round(time.Millisecond))
}
