// Package textword hashes and compares text eight bytes per step. The token cache keys on a
// token's full text (~800 bytes), and a cached request hashes it for the lookup and compares
// it with the cached key. Go's own string hash and comparison go byte by byte in wasm
// (runtime.memequal is a byte loop in internal/bytealg/equal_wasm.s; memhash has no AES and
// multiplies 128-bit products, which wasm lacks), and Go's wasm backend sends every iteration
// of a loop through its function's br_table dispatcher, so in wasm the word loops are
// assembly (textword_wasm.s); elsewhere they are the Go below (issue 19).
package textword

import (
	"encoding/binary"
	"unsafe"
)

const (
	wordMul = 0x9E3779B97F4A7C15 // 2^64 / golden ratio, odd
	byteMul = 0x100000001B3      // FNV-1a's 64-bit prime, for the bytes after the last word
)

// Hash is a seeded 64-bit hash of s: multiply-xorshift per little-endian word in four lanes
// (hashWordsGo), FNV-style per remaining byte, then MurmurHash3's 64-bit finalizer. It is
// not collision-resistant; a caller whose keys an attacker chooses must compare the texts
// (Equal) as well.
func Hash(seed uint64, s string) uint64 {
	h := seed ^ uint64(len(s))*wordMul
	n := len(s) &^ 7
	if n > 0 {
		h = hashWords(unsafe.StringData(s), n, h)
	}
	for i := n; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * byteMul
	}
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	return h
}

// Equal is a == b.
func Equal(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	n := len(a) &^ 7
	if n > 0 && !equalWords(unsafe.StringData(a), unsafe.StringData(b), n) {
		return false
	}
	for i := n; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Four lanes hash the words of each 32-byte block, one word each, and are then folded into
// one: a word's multiply waits for the previous word's in the same lane (each step is a
// multiply, a shift and two xors, all dependent), so one lane would leave the processor
// idle most of the time; four run side by side. The lanes start from h and three fixed
// offsets of it, so that words swapped between lanes change the result.
const lane1, lane2, lane3 = 0x243F6A8885A308D3, 0x13198A2E03707344, 0x299F31D0082EFA98

// mix is one step of a lane: h absorbs the word w.
func mix(h, w uint64) uint64 {
	h = (h ^ w) * wordMul
	return h ^ h>>32
}

// hashWordsGo is the word loop of Hash over the n bytes at p, n a positive multiple of 8:
// the reference for the assembly, and the loop itself outside wasm. Words after the last
// whole block go to the first lane.
func hashWordsGo(p *byte, n int, h uint64) uint64 {
	b := unsafe.Slice(p, n)
	h0, h1, h2, h3 := h, h^lane1, h^lane2, h^lane3
	for ; len(b) >= 32; b = b[32:] {
		h0 = mix(h0, binary.LittleEndian.Uint64(b))
		h1 = mix(h1, binary.LittleEndian.Uint64(b[8:]))
		h2 = mix(h2, binary.LittleEndian.Uint64(b[16:]))
		h3 = mix(h3, binary.LittleEndian.Uint64(b[24:]))
	}
	for ; len(b) >= 8; b = b[8:] {
		h0 = mix(h0, binary.LittleEndian.Uint64(b))
	}
	return mix(mix(mix(h0, h1), h2), h3)
}

// equalWordsGo reports whether the n bytes at a and at b are equal, n a positive multiple
// of 8: the reference for the assembly, and the loop itself outside wasm.
func equalWordsGo(a, b *byte, n int) bool {
	x, y := unsafe.Slice(a, n), unsafe.Slice(b, n)
	for ; len(x) >= 8; x, y = x[8:], y[8:] {
		if binary.LittleEndian.Uint64(x) != binary.LittleEndian.Uint64(y) {
			return false
		}
	}
	return true
}
