//go:build !wasm

package jwtverify

// montMulFIOS is montMulGo outside wasm (where crypto/rsa verifies: the own RSA serves the
// tests that hold it to the standard library).
func montMulFIOS(t, x, y, n []uint64, nInv uint64) { montMulGo(t, x, y, n, nInv) }
