package jwtverify

import (
	"math/big"
	"sync"
)

// rsaModulus is an RSA public key prepared for verification (issue 19): everything that
// depends on the key alone is computed once, when the JWK Set is parsed, instead of on every
// call as crypto/rsa does (its bigmod.NewModulus is over a third of a verification). Only
// verification is done with it, so every input is public and nothing needs constant time.
type rsaModulus struct {
	n     []uint64 // the modulus, little-endian 64-bit words, padded to a multiple of montUnroll
	nInv  uint64   // −n⁻¹ mod 2^64
	rr    []uint64 // R² mod n, R = 2^(64·len(n)): multiplying by it enters the Montgomery domain
	e     uint32   // the public exponent: odd, 3 ≤ e < 2^31 (parseRSA)
	size  int      // the modulus length in bytes, the length of every signature (RFC 8017 §8.2.2)
	bits  int      // the modulus length in bits (PSS's emBits is bits − 1)
	words int      // len(n)
	pool  sync.Pool
	// pkcs1 holds, for SHA-256, -384 and -512, the constants of PKCS#1 v1.5's comparison in
	// the shifted domain (rsa_pkcs1v15_target.go), computed on first use.
	pkcs1 [3]pkcs1Target
}

// newRSAModulus prepares the key (n, e), which parseRSA accepted (odd modulus, odd exponent
// ≥ 3 below 2^31).
func newRSAModulus(n *big.Int, e int) *rsaModulus {
	words := (n.BitLen() + 63) / 64
	words = (words + montUnroll - 1) / montUnroll * montUnroll
	m := &rsaModulus{
		n:     wordsOf(n, words),
		e:     uint32(e),
		size:  (n.BitLen() + 7) / 8,
		bits:  n.BitLen(),
		words: words,
	}
	// Newton's iteration for n⁻¹ mod 2^64: each step doubles the number of correct low bits,
	// and n0 itself is an inverse modulo 2^3 (odd n0: n0² ≡ 1 mod 8).
	n0 := m.n[0]
	inv := n0
	for i := 0; i < 5; i++ {
		inv *= 2 - n0*inv
	}
	m.nInv = -inv
	rr := new(big.Int).Lsh(big.NewInt(1), uint(2*64*words))
	m.rr = wordsOf(rr.Mod(rr, n), words)
	return m
}

// wordsOf writes x (0 ≤ x < 2^(64·words)) as little-endian 64-bit words.
func wordsOf(x *big.Int, words int) []uint64 {
	buf := x.FillBytes(make([]byte, 8*words))
	out := make([]uint64, words)
	for i := range out {
		out[i] = beUint64(buf[len(buf)-8*(i+1):])
	}
	return out
}

func beUint64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// rsaScratch is the working memory of one exponentiation, reused through the modulus' pool:
// a fresh 2 KiB per verification would be garbage the guest's collector must then sweep.
type rsaScratch struct {
	s, sm, a, b []uint64 // s: the signature; sm: s in the Montgomery domain; a, b: alternating products
	t           []uint64 // words + 9: EM·K mod n and its short product (digestTimesK)
	em          []byte
}

func (m *rsaModulus) scratch() *rsaScratch {
	if sc, ok := m.pool.Get().(*rsaScratch); ok {
		return sc
	}
	w := m.words
	buf := make([]uint64, 5*w+11)
	return &rsaScratch{s: buf[:w:w], sm: buf[w : 2*w : 2*w], a: buf[2*w : 3*w+1 : 3*w+1], b: buf[3*w+1 : 4*w+2 : 4*w+2],
		t: buf[4*w+2:], em: make([]byte, m.size)}
}

// encodedMessage is RSAVP1 (RFC 8017 §5.2.2) and the integer-to-octets conversion of the
// verification operations: the encoded message s^e mod n as size bytes, big-endian, with
// size the modulus length in bytes. It refuses a signature whose length is not the modulus
// length (RFC 8017 §8.2.2 step 1, as crypto/rsa does) and a representative s ≥ n (§5.2.2
// step 1). PKCS#1 v1.5 compares the result with the encoding it expects; PSS
// (RFC 8017 §9.1.2) reads its emLen = ⌈(modBits−1)/8⌉ bytes at the end, and when that is
// size−1 the first byte must be zero. The result is valid until release(sc).
func (m *rsaModulus) encodedMessage(sig []byte) (em []byte, sc *rsaScratch, ok bool) {
	if sc, ok = m.representative(sig); !ok {
		return nil, nil, false
	}
	m.exp(sc)
	// The result is in sc.a; its words to big-endian bytes. It is < n, so it fits in size
	// bytes and the words above are zero.
	for i := 0; i < m.size; i++ {
		sc.em[m.size-1-i] = byte(sc.a[i/8] >> (8 * (i % 8)))
	}
	return sc.em, sc, true
}

// representative loads the signature into a scratch's s, refusing a length other than the
// modulus length and s ≥ n (RFC 8017 §8.2.2 step 1, §5.2.2 step 1).
func (m *rsaModulus) representative(sig []byte) (sc *rsaScratch, ok bool) {
	if len(sig) != m.size {
		return nil, false
	}
	sc = m.scratch()
	loadWords(sc.s, sig)
	if !lessThan(sc.s, m.n) {
		m.release(sc)
		return nil, false
	}
	return sc, true
}

// release gives the scratch of encodedMessage back for reuse.
func (m *rsaModulus) release(sc *rsaScratch) { m.pool.Put(sc) }

// exp sets sc.a[:words] to sc.s^e mod n, for sc.s < n. Left-to-right binary exponentiation
// in the Montgomery domain, whose last step leaves it: e is odd, so the last step is a
// squaring and a multiplication by s, and multiplying by s itself rather than by s·R gives
// (s^(e−1)·R)·s·R⁻¹ = s^e mod n without a conversion out. For e = 65537: the conversion in,
// 16 squarings and 1 multiplication.
func (m *rsaModulus) exp(sc *rsaScratch) {
	w := m.words
	m.mul(sc.a, sc.s, m.rr) // a = s·R mod n
	copy(sc.sm, sc.a[:w])
	a, b := m.squareMultiply(sc.a, sc.b, sc.sm, 1)
	m.mul(b, a[:w], a[:w])
	a, b = b, a
	m.mul(b, a[:w], sc.s)
	if &b[0] != &sc.a[0] {
		copy(sc.a, b)
	}
}

// squareMultiply runs left-to-right binary exponentiation on a over e's bits below its top
// one down to bit lo, multiplying by base for each set bit; a and b alternate as product
// and scratch, and it returns them in that order.
func (m *rsaModulus) squareMultiply(a, b, base []uint64, lo int) ([]uint64, []uint64) {
	w := m.words
	top := 31
	for m.e>>top == 0 {
		top--
	}
	for bit := top - 1; bit >= lo; bit-- {
		m.mul(b, a[:w], a[:w])
		a, b = b, a
		if m.e>>bit&1 == 1 {
			m.mul(b, a[:w], base)
			a, b = b, a
		}
	}
	return a, b
}

// expShifted sets sc.a[:words] to s^e·R^−j mod n for s = sc.s < n, with j fixed by e: exp
// without entering the Montgomery domain, every multiplication by s itself. A squaring
// takes a·R^−i to a²·R^−(2i+1), a multiplication by s to a·s·R^−(i+1). For e = 65537: 16
// squarings and 1 multiplication, j = 2^16. See rsa_pkcs1v15_target.go.
func (m *rsaModulus) expShifted(sc *rsaScratch) {
	w := m.words
	copy(sc.a[:w], sc.s)
	sc.a[w] = 0
	a, _ := m.squareMultiply(sc.a, sc.b, sc.s, 0)
	if &a[0] != &sc.a[0] {
		copy(sc.a, a)
	}
}

// mul sets z[:words] to x·y·R⁻¹ mod n (fully reduced, z[words] = 0); z aliases neither.
func (m *rsaModulus) mul(z, x, y []uint64) {
	montMulFIOS(z, x, y, m.n, m.nInv)
	m.reduceOnce(z)
}

// reduceOnce subtracts n from u (words+1 words, u < 2n) when u ≥ n. The borrow is computed
// from the operands' top bits: math/bits.Sub64 is not an intrinsic in wasm.
func (m *rsaModulus) reduceOnce(u []uint64) {
	w := m.words
	if u[w] == 0 && lessThan(u[:w], m.n) {
		return
	}
	var borrow uint64
	for i := 0; i < w; i++ {
		ui, ni := u[i], m.n[i]
		d := ui - ni - borrow
		borrow = ((^ui & ni) | (^(ui ^ ni) & d)) >> 63
		u[i] = d
	}
	u[w] -= borrow
}

// loadWords writes the big-endian bytes b into the little-endian words z (cleared first;
// len(b) ≤ 8·len(z)).
func loadWords(z []uint64, b []byte) {
	clear(z)
	for i := 0; i < len(b); i++ {
		z[i/8] |= uint64(b[len(b)-1-i]) << (8 * (i % 8))
	}
}

// lessThan reports x < y for little-endian words of equal length.
func lessThan(x, y []uint64) bool {
	for i := len(x) - 1; i >= 0; i-- {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return false
}
