package jwtverify

import "unsafe"

// montMulFIOS is montMulGo's product computed by montMulWasm, the same steps written in wasm
// assembly (rsa_montmul_wasm.s), because Go's wasm backend emits more than the steps need: it
// masks every carry (a bool is a byte, so each costs an extra and), takes a word's low half
// with a 64-bit constant mask instead of a wrap and an extend, and runs every loop iteration
// through the function's br_table dispatcher. The slicing checks the lengths, which the
// assembly trusts.
func montMulFIOS(t, x, y, n []uint64, nInv uint64) {
	s := len(n)
	if s == 0 || s%montUnroll != 0 {
		panic("jwtverify: modulus word count not a positive multiple of montUnroll")
	}
	x, y, t = x[:s:s], y[:s:s], t[:s+1:s+1]
	montMulWasm(&t[0], &x[0], &y[0], &n[0], s, nInv, uintptr(unsafe.Pointer(&y[0]))+uintptr(8*s))
}

// montMulWasm: t[:s+1] = x·y·R⁻¹ mod n up to one subtraction of n, as montMulGo; s words,
// a positive multiple of montUnroll; yEnd is the address just past y[s-1].
//
//go:noescape
func montMulWasm(t, x, y, n *uint64, s int, nInv uint64, yEnd uintptr)
