//go:build !wasm || jwtguard_stdcrypto

package jwtverify

import "crypto/sha256"

// Natively crypto/sha256 has assembly (SHA-NI, AVX2) and is used; so it is in wasm with
// -tags jwtguard_stdcrypto.
func sum256(s string) [32]byte { return sha256.Sum256([]byte(s)) }
