//go:build !wasm || jwtguard_stdcrypto

package jwtverify

// ownRSA: natively crypto/rsa has assembly and a 128-bit multiply and is faster than
// rsaModulus (issue 19); with -tags jwtguard_stdcrypto it is used in wasm as well.
const ownRSA = false
