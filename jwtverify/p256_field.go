package jwtverify

import (
	"encoding/binary"
	"math/bits"
)

// Arithmetic modulo the P-256 field prime p = 2^256 - 2^224 + 2^192 + 2^96 - 1 (FIPS 186-5,
// SP 800-186 §3.2.1.3) for the verification-only ES256 of p256_verify.go (issue 19).
//
// Every input of a verification is public, so this code is variable-time by design; it is
// never used with a secret.
//
// An element is four little-endian 64-bit limbs in the Montgomery domain (x·2^256 mod p),
// always fully reduced (< p), so equality is equality of the limbs. Because p ≡ -1 mod 2^64,
// the Montgomery factor -p^-1 mod 2^64 is 1 (the quotient digit of a reduction step is the low
// limb itself), and because p's limbs are 2^64-1, 2^32-1, 0 and 2^64-2^32+1, adding m·p is a
// handful of shifts, additions and subtractions, no multiplication: the only 64×64-bit
// products left are the 16 of the schoolbook product. Go's wasm backend has no 128-bit
// multiply, so each bits.Mul64 there is several 32-bit products; halving their number is
// what makes this multiplication cheaper in wasm than a generic Montgomery one.
type p256Element [4]uint64

// p256P is the prime; p256RR is 2^512 mod p, which moves a value into the Montgomery
// domain; p256One is 1 in that domain (2^256 mod p). p256_field_test.go checks all three
// against math/big.
var (
	p256P   = p256Element{0xffffffffffffffff, 0x00000000ffffffff, 0, 0xffffffff00000001}
	p256RR  = p256Element{3, 0xfffffffbffffffff, 0xfffffffffffffffe, 0x00000004fffffffd}
	p256One = p256Element{1, 0xffffffff00000000, 0xffffffffffffffff, 0x00000000fffffffe}
)

// p256Mul sets z = x·y·2^-256 mod p (Montgomery multiplication), z may alias x or y.
// It is the coarsely integrated operand scanning form written out: each of the four rounds
// adds x·y[i] to a six-limb accumulator and then adds m·p, m the low limb, and shifts one
// limb right; the accumulator stays below 2p (x, y < p), so one conditional subtraction
// ends it. Written out rather than looped: in wasm every loop iteration pays a br_table
// dispatch, and only small helpers such as bits.Mul64/Add64 are inlined.
//
// The reduction step, (a + m·p) / 2^64 with m = a0, is exact because a0 + m·(2^64-1) ≡ 0
// mod 2^64. With p = 2^256 - 2^224 + 2^192 + 2^96 - 1: m·(p0 + p1·2^64) = m·2^96 - m cancels
// a0 and adds m<<32 and m>>32 to limbs 1 and 2, and m·p3 = m·2^64 - m·2^32 + m is the
// two-limb (m - m>>32 - borrow, m - m<<32) added at limb 3.
func p256Mul(z, x, y *p256Element) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	y0, y1, y2, y3 := y[0], y[1], y[2], y[3]
	var a0, a1, a2, a3, a4, a5, c, b, m, lo, hi uint64

	// Round 0: the accumulator is x·y0 (five limbs).
	h0, l0 := bits.Mul64(x0, y0)
	h1, l1 := bits.Mul64(x1, y0)
	h2, l2 := bits.Mul64(x2, y0)
	h3, l3 := bits.Mul64(x3, y0)
	a0 = l0
	a1, c = bits.Add64(l1, h0, 0)
	a2, c = bits.Add64(l2, h1, c)
	a3, c = bits.Add64(l3, h2, c)
	a4 = h3 + c
	m = a0
	lo, b = bits.Sub64(m, m<<32, 0)
	hi = m - m>>32 - b
	a1, c = bits.Add64(a1, m<<32, 0)
	a2, c = bits.Add64(a2, m>>32, c)
	a3, c = bits.Add64(a3, lo, c)
	a4, c = bits.Add64(a4, hi, c)
	a0, a1, a2, a3, a4 = a1, a2, a3, a4, a5+c

	// Rounds 1 to 3: the accumulator (< 2p) plus x·y[i], then the reduction step.
	h0, l0 = bits.Mul64(x0, y1)
	h1, l1 = bits.Mul64(x1, y1)
	h2, l2 = bits.Mul64(x2, y1)
	h3, l3 = bits.Mul64(x3, y1)
	a0, c = bits.Add64(a0, l0, 0)
	a1, c = bits.Add64(a1, l1, c)
	a2, c = bits.Add64(a2, l2, c)
	a3, c = bits.Add64(a3, l3, c)
	a4 += c
	a1, c = bits.Add64(a1, h0, 0)
	a2, c = bits.Add64(a2, h1, c)
	a3, c = bits.Add64(a3, h2, c)
	a4, a5 = bits.Add64(a4, h3, c)
	m = a0
	lo, b = bits.Sub64(m, m<<32, 0)
	hi = m - m>>32 - b
	a1, c = bits.Add64(a1, m<<32, 0)
	a2, c = bits.Add64(a2, m>>32, c)
	a3, c = bits.Add64(a3, lo, c)
	a4, c = bits.Add64(a4, hi, c)
	a0, a1, a2, a3, a4 = a1, a2, a3, a4, a5+c

	h0, l0 = bits.Mul64(x0, y2)
	h1, l1 = bits.Mul64(x1, y2)
	h2, l2 = bits.Mul64(x2, y2)
	h3, l3 = bits.Mul64(x3, y2)
	a0, c = bits.Add64(a0, l0, 0)
	a1, c = bits.Add64(a1, l1, c)
	a2, c = bits.Add64(a2, l2, c)
	a3, c = bits.Add64(a3, l3, c)
	a4 += c
	a1, c = bits.Add64(a1, h0, 0)
	a2, c = bits.Add64(a2, h1, c)
	a3, c = bits.Add64(a3, h2, c)
	a4, a5 = bits.Add64(a4, h3, c)
	m = a0
	lo, b = bits.Sub64(m, m<<32, 0)
	hi = m - m>>32 - b
	a1, c = bits.Add64(a1, m<<32, 0)
	a2, c = bits.Add64(a2, m>>32, c)
	a3, c = bits.Add64(a3, lo, c)
	a4, c = bits.Add64(a4, hi, c)
	a0, a1, a2, a3, a4 = a1, a2, a3, a4, a5+c

	h0, l0 = bits.Mul64(x0, y3)
	h1, l1 = bits.Mul64(x1, y3)
	h2, l2 = bits.Mul64(x2, y3)
	h3, l3 = bits.Mul64(x3, y3)
	a0, c = bits.Add64(a0, l0, 0)
	a1, c = bits.Add64(a1, l1, c)
	a2, c = bits.Add64(a2, l2, c)
	a3, c = bits.Add64(a3, l3, c)
	a4 += c
	a1, c = bits.Add64(a1, h0, 0)
	a2, c = bits.Add64(a2, h1, c)
	a3, c = bits.Add64(a3, h2, c)
	a4, a5 = bits.Add64(a4, h3, c)
	m = a0
	lo, b = bits.Sub64(m, m<<32, 0)
	hi = m - m>>32 - b
	a1, c = bits.Add64(a1, m<<32, 0)
	a2, c = bits.Add64(a2, m>>32, c)
	a3, c = bits.Add64(a3, lo, c)
	a4, c = bits.Add64(a4, hi, c)
	a0, a1, a2, a3, a4 = a1, a2, a3, a4, a5+c

	// a < 2p: subtract p once if that does not borrow.
	t0, b := bits.Sub64(a0, p256P[0], 0)
	t1, b := bits.Sub64(a1, p256P[1], b)
	t2, b := bits.Sub64(a2, p256P[2], b)
	t3, b := bits.Sub64(a3, p256P[3], b)
	_, b = bits.Sub64(a4, 0, b)
	if b == 0 {
		a0, a1, a2, a3 = t0, t1, t2, t3
	}
	z[0], z[1], z[2], z[3] = a0, a1, a2, a3
}

// p256Final sets z = a mod p for a < 2p (a4 the bit above 256).
func p256Final(z *p256Element, a0, a1, a2, a3, a4 uint64) {
	t0, b := bits.Sub64(a0, p256P[0], 0)
	t1, b := bits.Sub64(a1, p256P[1], b)
	t2, b := bits.Sub64(a2, p256P[2], b)
	t3, b := bits.Sub64(a3, p256P[3], b)
	_, b = bits.Sub64(a4, 0, b)
	if b == 0 {
		a0, a1, a2, a3 = t0, t1, t2, t3
	}
	z[0], z[1], z[2], z[3] = a0, a1, a2, a3
}

// p256Sqr sets z = x²·2^-256 mod p, z may alias x. The square's cross products are computed
// once and doubled (ten 64×64-bit products instead of sixteen), then the low half is reduced
// by the four steps of p256Mul, which here never exceed four limbs: after k steps the value
// is below 2^(256-64k) + p < 2^256. Adding the high half leaves a value below 2p
// (x²/2^256 + p), reduced by one conditional subtraction.
func p256Sqr(z, x *p256Element) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	var t1, t2, t3, t4, t5, t6, t7, c uint64

	// Cross products x_i·x_j, i < j, at limb i+j.
	h01, l01 := bits.Mul64(x0, x1)
	h02, l02 := bits.Mul64(x0, x2)
	h03, l03 := bits.Mul64(x0, x3)
	h12, l12 := bits.Mul64(x1, x2)
	h13, l13 := bits.Mul64(x1, x3)
	h23, l23 := bits.Mul64(x2, x3)
	t1 = l01
	t2, c = bits.Add64(h01, l02, 0)
	t3, c = bits.Add64(h02, l03, c)
	t4 = h03 + c
	u4, c := bits.Add64(h12, l13, 0)
	u5 := h13 + c
	t3, c = bits.Add64(t3, l12, 0)
	t4, c = bits.Add64(t4, u4, c)
	t5, c = bits.Add64(u5, l23, c)
	t6 = h23 + c

	// Doubled, plus the squares x_i² at limb 2i.
	t7 = t6 >> 63
	t6 = t6<<1 | t5>>63
	t5 = t5<<1 | t4>>63
	t4 = t4<<1 | t3>>63
	t3 = t3<<1 | t2>>63
	t2 = t2<<1 | t1>>63
	t1 <<= 1
	h0, a0 := bits.Mul64(x0, x0)
	h1, l1 := bits.Mul64(x1, x1)
	h2, l2 := bits.Mul64(x2, x2)
	h3, l3 := bits.Mul64(x3, x3)
	a1, c := bits.Add64(t1, h0, 0)
	a2, c := bits.Add64(t2, l1, c)
	a3, c := bits.Add64(t3, h1, c)
	t4, c = bits.Add64(t4, l2, c)
	t5, c = bits.Add64(t5, h2, c)
	t6, c = bits.Add64(t6, l3, c)
	t7 += h3 + c

	var m, lo, hi, b uint64
	m = a0
	lo, b = bits.Sub64(m, m<<32, 0)
	hi = m - m>>32 - b
	a1, c = bits.Add64(a1, m<<32, 0)
	a2, c = bits.Add64(a2, m>>32, c)
	a3, c = bits.Add64(a3, lo, c)
	a0, a1, a2, a3 = a1, a2, a3, hi+c
	m = a0
	lo, b = bits.Sub64(m, m<<32, 0)
	hi = m - m>>32 - b
	a1, c = bits.Add64(a1, m<<32, 0)
	a2, c = bits.Add64(a2, m>>32, c)
	a3, c = bits.Add64(a3, lo, c)
	a0, a1, a2, a3 = a1, a2, a3, hi+c
	m = a0
	lo, b = bits.Sub64(m, m<<32, 0)
	hi = m - m>>32 - b
	a1, c = bits.Add64(a1, m<<32, 0)
	a2, c = bits.Add64(a2, m>>32, c)
	a3, c = bits.Add64(a3, lo, c)
	a0, a1, a2, a3 = a1, a2, a3, hi+c
	m = a0
	lo, b = bits.Sub64(m, m<<32, 0)
	hi = m - m>>32 - b
	a1, c = bits.Add64(a1, m<<32, 0)
	a2, c = bits.Add64(a2, m>>32, c)
	a3, c = bits.Add64(a3, lo, c)
	a0, a1, a2, a3 = a1, a2, a3, hi+c

	a0, c = bits.Add64(a0, t4, 0)
	a1, c = bits.Add64(a1, t5, c)
	a2, c = bits.Add64(a2, t6, c)
	a3, c = bits.Add64(a3, t7, c)
	p256Final(z, a0, a1, a2, a3, c)
}

// p256Add sets z = x + y mod p.
func p256Add(z, x, y *p256Element) {
	a0, c := bits.Add64(x[0], y[0], 0)
	a1, c := bits.Add64(x[1], y[1], c)
	a2, c := bits.Add64(x[2], y[2], c)
	a3, c := bits.Add64(x[3], y[3], c)
	p256Final(z, a0, a1, a2, a3, c)
}

// p256Sub sets z = x - y mod p.
func p256Sub(z, x, y *p256Element) {
	a0, b := bits.Sub64(x[0], y[0], 0)
	a1, b := bits.Sub64(x[1], y[1], b)
	a2, b := bits.Sub64(x[2], y[2], b)
	a3, b := bits.Sub64(x[3], y[3], b)
	if b != 0 {
		var c uint64
		a0, c = bits.Add64(a0, p256P[0], 0)
		a1, c = bits.Add64(a1, p256P[1], c)
		a2, c = bits.Add64(a2, p256P[2], c)
		a3, _ = bits.Add64(a3, p256P[3], c)
	}
	z[0], z[1], z[2], z[3] = a0, a1, a2, a3
}

// isZero: elements are fully reduced, so 0 mod p has only the all-zero representation.
func (x *p256Element) isZero() bool { return x[0]|x[1]|x[2]|x[3] == 0 }

// p256FromBytes sets z to the Montgomery form of the 32-byte big-endian b and reports
// whether b < p (otherwise z is unchanged).
func p256FromBytes(z *p256Element, b *[32]byte) bool {
	var t p256Element
	for i := range t {
		t[i] = binary.BigEndian.Uint64(b[24-8*i:])
	}
	if !p256Less(&t, &p256P) {
		return false
	}
	p256Mul(z, &t, &p256RR)
	return true
}

// p256Less reports x < y as 256-bit integers.
func p256Less(x, y *p256Element) bool {
	_, b := bits.Sub64(x[0], y[0], 0)
	_, b = bits.Sub64(x[1], y[1], b)
	_, b = bits.Sub64(x[2], y[2], b)
	_, b = bits.Sub64(x[3], y[3], b)
	return b != 0
}

// p256Invert sets z = x^-1 = x^(p-2) mod p (Fermat), 0 for x = 0. Only the per-key and the
// generator's tables invert (the final check of a verification does not), so a plain
// square-and-multiply over the bits of p-2 is enough.
func p256Invert(z, x *p256Element) {
	e := p256P
	e[0] -= 2 // p0 = 2^64-1: no borrow
	r := p256One
	b := *x
	for i := 0; i < 256; i++ {
		if e[i/64]>>(i%64)&1 == 1 {
			p256Mul(&r, &r, &b)
		}
		p256Sqr(&b, &b)
	}
	*z = r
}
