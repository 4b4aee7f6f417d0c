package jwtverify

import (
	"crypto"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
)

// shiftJ is the j of expShifted's s^e·R^−j, computed from its definition: a squaring takes
// R^−i to R^−(2i+1), a multiplication by s to R^−(i+1).
func shiftJ(e int) uint64 {
	top := 31
	for e>>top == 0 {
		top--
	}
	var j uint64
	for bit := top - 1; bit >= 0; bit-- {
		j = 2*j + 1
		if e>>bit&1 == 1 {
			j++
		}
	}
	return j
}

func wordsToBig(w []uint64) *big.Int {
	b := make([]byte, 8*len(w))
	for i, v := range w {
		for k := 0; k < 8; k++ {
			b[len(b)-1-8*i-k] = byte(v >> (8 * k))
		}
	}
	return new(big.Int).SetBytes(b)
}

// TestPKCS1ShiftedDomainMatchesMathBig: expShifted and digestTimesK against math/big, on
// random odd moduli around the word and unroll boundaries, exponents 3, 5, 17, 65537 and
// 2^31−1, the three hashes and random digests (and all-zero and all-one ones): s^e·K and
// EM·K mod n with K = R^−j, j from its definition. verifyPKCS1v15's verdicts are held to
// crypto/rsa by TestRSAVerdictDifferential and the Wycheproof vectors.
func TestPKCS1ShiftedDomainMatchesMathBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 5))
	for _, bits := range []int{2048, 2049, 2111, 2113, 3072, 4096, 4097} {
		for _, e := range []int{3, 5, 17, 65537, maxExponent} {
			n := randomModulus(rng, bits)
			m := newRSAModulus(n, e)
			r := new(big.Int).Lsh(big.NewInt(1), uint(64*m.words))
			k := new(big.Int).ModInverse(r, n)
			k.Exp(k, new(big.Int).SetUint64(shiftJ(e)), n)
			name := fmt.Sprintf("%d bits, e = %d", bits, e)

			buf := make([]byte, m.size)
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
			s := new(big.Int).Mod(new(big.Int).SetBytes(buf), n)
			sc, ok := m.representative(s.FillBytes(make([]byte, m.size)))
			if !ok {
				t.Fatalf("%s: representative refused s < n", name)
			}
			m.expShifted(sc)
			want := new(big.Int).Exp(s, big.NewInt(int64(e)), n)
			want.Mul(want, k).Mod(want, n)
			if got := wordsToBig(sc.a[:m.words]); got.Cmp(want) != 0 {
				t.Fatalf("%s: expShifted = %x, want s^e·R^−j = %x", name, got, want)
			}

			for _, h := range pkcs1Hashes {
				for _, fill := range []int{-1, 0, 0xff} {
					digest := make([]byte, h.Size())
					for i := range digest {
						if fill < 0 {
							digest[i] = byte(rng.Uint32())
						} else {
							digest[i] = byte(fill)
						}
					}
					checkDigestTimesK(t, name, m, sc, h, digest, k)
				}
			}
			m.release(sc)
		}
	}
}

func checkDigestTimesK(t *testing.T, name string, m *rsaModulus, sc *rsaScratch, h crypto.Hash, digest []byte, k *big.Int) {
	t.Helper()
	prefix := digestInfoPrefix(h)
	em := make([]byte, m.size)
	em[1] = 1
	for i := 2; i < m.size-len(prefix)-len(digest)-1; i++ {
		em[i] = 0xff
	}
	copy(em[m.size-len(prefix)-len(digest):], prefix)
	copy(em[m.size-len(digest):], digest)
	want := new(big.Int).SetBytes(em)
	want.Mul(want, k).Mod(want, m.nBig())
	tgt := m.target(h)
	if !tgt.ok {
		t.Fatalf("%s, %v: no target for a modulus long enough", name, h)
	}
	m.digestTimesK(sc.t, tgt, digest)
	if got := wordsToBig(sc.t[:m.words]); got.Cmp(want) != 0 {
		t.Fatalf("%s, %v, digest %x: EM·K = %x, want %x", name, h, digest, got, want)
	}
}

func (m *rsaModulus) nBig() *big.Int { return wordsToBig(m.n) }
