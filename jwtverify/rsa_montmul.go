package jwtverify

import "math/bits"

// montUnroll is the number of words montMulWasm processes per loop iteration
// (rsa_montmul_wasm.s); the word count of a modulus is a multiple of it (a zero word on top
// of n changes R, not the arithmetic).
const montUnroll = 8

// montMulGo sets t to x·y·R⁻¹ mod n up to one subtraction of n (t < 2n), where
// R = 2^(64·len(n)) and nInv = −n⁻¹ mod 2^64; x, y < n; len(x) = len(y) = len(n),
// len(t) = len(n)+1, and t aliases neither x nor y. Words are little-endian. Variable time:
// every input of a verification is public.
//
// It is FIOS (finely integrated operand scanning; Koç, Acar, Kaliski 1996): for each word of
// y, one pass over the words adds x·y_i and m·n, shifting by one word as it goes. This is the
// portable form and the reference: the wasm build runs the same steps written in wasm
// (montMulWasm), which TestMontMulWasmMatchesGo holds to this one word for word, and this one
// is held to math/big by TestRSAArithmeticDifferential.
func montMulGo(t, x, y, n []uint64, nInv uint64) {
	s := len(n)
	x, y, t = x[:s:s], y[:s:s], t[:s+1:s+1]
	clear(t)
	for i := 0; i < s; i++ {
		// Word 0 fixes m so that the low word of t + x·y_i + m·n is 0.
		hi, lo := bits.Mul64(x[0], y[i])
		lo, c := bits.Add64(lo, t[0], 0)
		cA := hi + c
		m := lo * nInv
		hi, lo2 := bits.Mul64(n[0], m)
		_, c = bits.Add64(lo2, lo, 0)
		cM := hi + c
		for j := 1; j < s; j++ {
			hi, lo := bits.Mul64(x[j], y[i])
			lo, c := bits.Add64(lo, t[j], 0)
			hi += c
			lo, c = bits.Add64(lo, cA, 0)
			cA = hi + c
			hi, lo2 := bits.Mul64(n[j], m)
			lo2, c = bits.Add64(lo2, lo, 0)
			hi += c
			lo2, c = bits.Add64(lo2, cM, 0)
			t[j-1], cM = lo2, hi+c
		}
		// The top: t[s] (0 or 1) plus both carries fits in 65 bits.
		top, c1 := bits.Add64(t[s], cA, 0)
		top, c2 := bits.Add64(top, cM, 0)
		t[s-1], t[s] = top, c1+c2
	}
}
