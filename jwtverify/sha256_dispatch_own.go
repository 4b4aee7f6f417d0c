//go:build wasm && !jwtguard_stdcrypto

package jwtverify

// In wasm the signing input is hashed by sha256Sum (sha256.go), about twice as fast there as
// crypto/sha256's generic code. -tags jwtguard_stdcrypto uses crypto/sha256.
func sum256(s string) [32]byte { return sha256Sum(s) }
