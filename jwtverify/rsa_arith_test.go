package jwtverify

import (
	"bytes"
	"crypto/rsa"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The arithmetic of rsaModulus against math/big: RSAVP1 (s^e mod n) on random odd moduli of
// every accepted size class, random and chosen exponents, and random and edge
// representatives. The verification operation needs no factorisation, so any odd modulus
// serves; rsa_verdict_test.go compares whole verifications with crypto/rsa on real keys.

// arithCases is the number of random cases of TestRSAArithmeticDifferential: 2·10^4 by
// default, 2·10^3 with -short (math/big's exponentiation with an exponent up to 2^31 is the
// slow part; docs/performance.md has the timings). The 10^5 cases of the issue are those of
// TestRSAVerdictDifferential, against crypto/rsa.
func arithCases() int {
	if testing.Short() {
		return 2_000
	}
	return 20_000
}

// randomModulus returns an odd modulus of exactly bits bits whose words are drawn from a
// few shapes: uniform, mostly ones (carries everywhere) and mostly zeros.
func randomModulus(rng *rand.Rand, bits int) *big.Int {
	b := make([]byte, (bits+7)/8)
	shape := rng.IntN(4)
	for i := range b {
		switch shape {
		case 0:
			b[i] = 0xff
			if rng.IntN(16) == 0 {
				b[i] = byte(rng.Uint32())
			}
		case 1:
			if rng.IntN(16) == 0 {
				b[i] = byte(rng.Uint32())
			}
		default:
			b[i] = byte(rng.Uint32())
		}
	}
	n := new(big.Int).SetBytes(b)
	n.SetBit(n, bits-1, 1)
	for i := bits; i < 8*len(b); i++ {
		n.SetBit(n, i, 0)
	}
	return n.SetBit(n, 0, 1)
}

// randomExponent: mostly 65537, else 3, the largest allowed, or a random odd one.
func randomExponent(rng *rand.Rand) int {
	switch rng.IntN(8) {
	case 0:
		return 3
	case 1:
		return maxExponent
	case 2, 3:
		return 3 + 2*int(rng.Uint32N((maxExponent-3)/2+1)) // odd, 3 ≤ e ≤ 2^31−1
	}
	return 65537
}

// edgeRepresentatives are the signature values the issue names: 0, 1, n−1, n, n+1, 2^k−1
// (k = the modulus' bit length, so ≥ n, and k−1, so < n) and a value ≥ 2^(8·size−1).
func edgeRepresentatives(n *big.Int) []*big.Int {
	one := big.NewInt(1)
	k := n.BitLen()
	allOnes := func(bits int) *big.Int { return new(big.Int).Sub(new(big.Int).Lsh(one, uint(bits)), one) }
	return []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Sub(n, one), new(big.Int).Set(n), new(big.Int).Add(n, one),
		allOnes(k), allOnes(k - 1), allOnes(8 * ((k + 7) / 8)),
		new(big.Int).Rsh(n, 1), new(big.Int).Lsh(one, uint(k-1)),
	}
}

// checkRSAVP1 compares encodedMessage(s) with math/big; s is given as an integer and written
// on size bytes (it must fit).
func checkRSAVP1(t *testing.T, name string, n *big.Int, e int, s *big.Int) {
	t.Helper()
	pub := &rsa.PublicKey{N: n, E: e}
	m := newRSAModulus(pub.N, pub.E)
	sig := s.FillBytes(make([]byte, m.size))
	em, sc, ok := m.encodedMessage(sig)
	if s.Cmp(n) >= 0 {
		if ok {
			t.Fatalf("%s: s ≥ n accepted (n = %x, e = %d, s = %x)", name, n, e, s)
		}
		return
	}
	if !ok {
		t.Fatalf("%s: s < n refused (n = %x, e = %d, s = %x)", name, n, e, s)
	}
	want := new(big.Int).Exp(s, big.NewInt(int64(e)), n).FillBytes(make([]byte, m.size))
	if !bytes.Equal(em, want) {
		t.Fatalf("%s: s^e mod n differs from math/big\nn = %x\ne = %d\ns = %x\ngot  %x\nwant %x", name, n, e, s, em, want)
	}
	m.release(sc)
}

// TestRSAArithmeticDifferential: arithCases() random moduli (bit lengths 2048 to 4160 with
// every remainder modulo the word and unroll sizes), exponents and representatives < n.
func TestRSAArithmeticDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 1))
	cases := arithCases()
	for i := 0; i < cases; i++ {
		bits := minRSABits + rng.IntN(2113)
		n := randomModulus(rng, bits)
		e := randomExponent(rng)
		var s *big.Int
		switch rng.IntN(4) {
		case 0: // anything below n, down to a few words
			s = new(big.Int).Rsh(randomModulus(rng, bits), uint(rng.IntN(bits)))
		case 1: // close below n
			s = new(big.Int).Sub(n, big.NewInt(int64(1+rng.IntN(1<<20))))
		default:
			buf := make([]byte, (bits+7)/8)
			for j := range buf {
				buf[j] = byte(rng.Uint32())
			}
			s = new(big.Int).Mod(new(big.Int).SetBytes(buf), n)
		}
		checkRSAVP1(t, "random case", n, e, s)
	}
}

// TestRSAEdges: the edge representatives on moduli of the accepted size boundaries (2048 and
// 16384 bits) and of sizes around each word and unroll boundary, with exponents 3, 65537 and
// 2^31−1.
func TestRSAEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 2))
	sizes := []int{2048, 2049, 2055, 2056, 2057, 2111, 2112, 2113, 2559, 2560, 2561, 3072, 4095, 4096, 4097, 8192, 16383, 16384}
	for _, bits := range sizes {
		for _, e := range []int{3, 5, 65537, maxExponent} {
			for shape := 0; shape < 3; shape++ {
				n := randomModulus(rng, bits)
				if shape == 2 { // 2^k − 1: every word all ones
					n = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1))
				}
				for i, s := range edgeRepresentatives(n) {
					if s.BitLen() > 8*((bits+7)/8) {
						continue // does not fit in a signature of the modulus' length
					}
					checkRSAVP1(t, fmt.Sprintf("edge %d of %d bits, e = %d", i, bits, e), n, e, s)
				}
			}
		}
	}
}

// TestRSAWrongLength: a signature one byte short or long, or empty, is refused before any
// arithmetic (RFC 8017 §8.2.2 step 1), like crypto/rsa.
func TestRSAWrongLength(t *testing.T) {
	m := newRSAModulus(randomModulus(rand.New(rand.NewPCG(19, 3)), 2048), 65537)
	for _, l := range []int{0, 1, m.size - 1, m.size + 1, 2 * m.size} {
		if _, _, ok := m.encodedMessage(make([]byte, l)); ok {
			t.Errorf("a %d-byte signature for a %d-byte modulus was accepted", l, m.size)
		}
	}
}
