//go:build wasm && !jwtguard_stdcrypto

package jwtverify

// ownRSA: in wasm, RSA signatures are verified by rsaModulus, about a third of what
// crypto/rsa costs there (issue 19; docs/performance.md). Build with -tags jwtguard_stdcrypto
// to use only the standard library's cryptography.
const ownRSA = true
