package filter

import "math/rand/v2"

// Token text is the cache's key, and a cached request handles it three times: it checks the
// token68 syntax, hashes it for the lookup, and compares it with the cached key. Go's own
// string hash and comparison go byte by byte in wasm (runtime.memequal is a byte loop in
// internal/bytealg/equal_wasm.s; memhash has no AES and multiplies 128-bit products, which
// wasm lacks), and a typical token is ~800 bytes: the map lookup alone cost more than the
// rest of the request path (issue 19, docs/performance.md). These functions read eight
// bytes per step with 64-bit operations that wasm has.

// tokenHashSeed differs per VM, so that which texts collide is not known in advance. It
// needs no secrecy: a collision only costs a cache miss (the full text is compared), and
// only tokens whose signature verified are ever stored.
var tokenHashSeed = rand.Uint64()

// word is the little-endian 64-bit word at s[0:8]; len(s) >= 8.
func word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// tokenHash is a seeded 64-bit hash of s: multiply-xorshift per word, then MurmurHash3's
// 64-bit finalizer. It is not collision-resistant and need not be (see tokenHashSeed).
func tokenHash(s string) uint64 {
	h := tokenHashSeed ^ uint64(len(s))*0x9E3779B97F4A7C15
	for ; len(s) >= 8; s = s[8:] {
		h = (h ^ word(s)) * 0x9E3779B97F4A7C15
		h ^= h >> 32
	}
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 0x100000001B3
	}
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	return h
}

// sameText is a == b, eight bytes per step.
func sameText(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for ; len(a) >= 8; a, b = a[8:], b[8:] {
		if word(a) != word(b) {
			return false
		}
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
