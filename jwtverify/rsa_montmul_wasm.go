package jwtverify

import "unsafe"

// montMulFIOS is montMulGo's product computed by montMulWasm, the same steps written in wasm
// assembly (rsa_montmul_wasm.s): Go's wasm backend cannot express what the product needs
// most. It masks every comparison result (a bool is a byte, so each carry costs an extra
// and), takes a word's low half with a 64-bit constant mask rather than a wrap and extend,
// and keeps its loop in a br_table dispatcher; written by hand the step also has room for two
// full-width multiplies (the low words) instead of rebuilding them from the halves. The
// slicing checks the lengths, which the assembly trusts.
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
