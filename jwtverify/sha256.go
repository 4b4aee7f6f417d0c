package jwtverify

import (
	"encoding/binary"
	"math/bits"
)

// sha256Sum is SHA-256 (FIPS 180-4 §6.2) of a string, written for wasm: the standard
// library's generic block function runs one loop iteration per round, and in wasm every
// iteration pays the dispatch Go's backend emits at each jump target (the loop's branch
// through a br_table) plus moving eight working variables; here the rounds and the message
// schedule run eight per iteration with the variables renamed instead of moved, which
// roughly halves the cost of hashing a token's signing input in wasm (issue 19;
// docs/performance.md has the figures). A full 64-round unroll was slower: wasm compilers
// handle the one large function worse. Natively crypto/sha256 has assembly and is used instead
// (sha256_std.go); sha256_test.go holds this one to crypto/sha256 on every length up to
// four blocks, random inputs and FIPS 180-4's examples. It reads the string in place, so
// the signing input is not copied into a []byte first.
func sha256Sum(s string) [32]byte {
	h := sha256Init
	var w [64]uint32
	n := len(s) &^ 63
	for i := 0; i < n; i += 64 {
		blk := s[i : i+64]
		for j := 0; j < 16; j += 2 {
			w[j] = be32(blk[4*j:])
			w[j+1] = be32(blk[4*j+4:])
		}
		sha256Block(&h, &w)
	}
	// Padding (§5.1.1): 0x80, zeros, the length in bits in the last eight bytes; one or
	// two more blocks.
	var tail [128]byte
	r := copy(tail[:], s[n:])
	tail[r] = 0x80
	end := 64
	if r >= 56 {
		end = 128
	}
	binary.BigEndian.PutUint64(tail[end-8:end], uint64(len(s))<<3)
	for i := 0; i < end; i += 64 {
		for j := 0; j < 16; j++ {
			w[j] = binary.BigEndian.Uint32(tail[i+4*j:])
		}
		sha256Block(&h, &w)
	}
	var out [32]byte
	for i, v := range h {
		binary.BigEndian.PutUint32(out[4*i:], v)
	}
	return out
}

// sha256Init is H(0) (FIPS 180-4 §5.3.3).
var sha256Init = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// sha256K are the round constants K(0..63) (FIPS 180-4 §4.2.2).
var sha256K = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// be32 is the big-endian word at s[0:4].
func be32(s string) uint32 {
	_ = s[3]
	return uint32(s[0])<<24 | uint32(s[1])<<16 | uint32(s[2])<<8 | uint32(s[3])
}

// sha256Block runs the compression function (FIPS 180-4 §6.2.2) on the block whose 16
// words are w[0:16]; it fills the rest of w with the message schedule.
func sha256Block(h *[8]uint32, w *[64]uint32) {
	for i := 16; i < 64; i += 8 {
		x := (*[24]uint32)(w[i-16 : i+8])
		x[16] = sha256Schedule(x[14], x[9], x[1], x[0])
		x[17] = sha256Schedule(x[15], x[10], x[2], x[1])
		x[18] = sha256Schedule(x[16], x[11], x[3], x[2])
		x[19] = sha256Schedule(x[17], x[12], x[4], x[3])
		x[20] = sha256Schedule(x[18], x[13], x[5], x[4])
		x[21] = sha256Schedule(x[19], x[14], x[6], x[5])
		x[22] = sha256Schedule(x[20], x[15], x[7], x[6])
		x[23] = sha256Schedule(x[21], x[16], x[8], x[7])
	}
	a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	for i := 0; i < 64; i += 8 {
		// Round t's new a and e land in the variables that held round t's h and d; the
		// next round reads the eight names shifted by one.
		ww := (*[8]uint32)(w[i : i+8])
		kk := (*[8]uint32)(sha256K[i : i+8])
		d, hh = sha256Round(a, b, c, d, e, f, g, hh, kk[0]+ww[0])
		c, g = sha256Round(hh, a, b, c, d, e, f, g, kk[1]+ww[1])
		b, f = sha256Round(g, hh, a, b, c, d, e, f, kk[2]+ww[2])
		a, e = sha256Round(f, g, hh, a, b, c, d, e, kk[3]+ww[3])
		hh, d = sha256Round(e, f, g, hh, a, b, c, d, kk[4]+ww[4])
		g, c = sha256Round(d, e, f, g, hh, a, b, c, kk[5]+ww[5])
		f, b = sha256Round(c, d, e, f, g, hh, a, b, kk[6]+ww[6])
		e, a = sha256Round(b, c, d, e, f, g, hh, a, kk[7]+ww[7])
	}
	h[0] += a
	h[1] += b
	h[2] += c
	h[3] += d
	h[4] += e
	h[5] += f
	h[6] += g
	h[7] += hh
}

// sha256Round is one round (§6.2.2 step 3): it returns the new e (d + T1) and the new a
// (T1 + T2).
func sha256Round(a, b, c, d, e, f, g, h, kw uint32) (newE, newA uint32) {
	t1 := h + (bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)) + ((e & f) ^ (^e & g)) + kw
	t2 := (bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)) + ((a & b) ^ (a & c) ^ (b & c))
	return d + t1, t1 + t2
}

// sha256Schedule is W(t) from W(t−2), W(t−7), W(t−15) and W(t−16) (§6.2.2 step 1).
func sha256Schedule(w2, w7, w15, w16 uint32) uint32 {
	s1 := bits.RotateLeft32(w2, -17) ^ bits.RotateLeft32(w2, -19) ^ (w2 >> 10)
	s0 := bits.RotateLeft32(w15, -7) ^ bits.RotateLeft32(w15, -18) ^ (w15 >> 3)
	return s1 + w7 + s0 + w16
}
