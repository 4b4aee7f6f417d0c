package textword

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// refHash is Hash written byte by byte, independently of the word loops: each word
// assembled from its eight bytes, least significant first, and given to lane i mod 4 while
// whole 32-byte blocks remain, to lane 0 after.
func refHash(seed uint64, s string) uint64 {
	h := seed ^ uint64(len(s))*wordMul
	lanes := [4]uint64{h, h ^ lane1, h ^ lane2, h ^ lane3}
	blocks, words := len(s)/32*4, len(s)/8
	for i := 0; len(s) >= 8; i, s = i+1, s[8:] {
		var w uint64
		for j := 7; j >= 0; j-- {
			w = w<<8 | uint64(s[j])
		}
		l := 0
		if i < blocks {
			l = i % 4
		}
		lanes[l] = (lanes[l] ^ w) * wordMul
		lanes[l] ^= lanes[l] >> 32
	}
	if words > 0 { // a text shorter than a word has no lanes to fold
		h = lanes[0]
		for _, w := range lanes[1:] {
			h = (h ^ w) * wordMul
			h ^= h >> 32
		}
	}
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * byteMul
	}
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	return h
}

// texts returns, for every length up to max, random texts starting at every offset of a
// word (the loops read unaligned words), each a view into a larger buffer whose bytes around
// the text are random too, so that a loop reading past its end would change its result.
func texts(rng *rand.Rand, max int, each func(s string)) {
	buf := make([]byte, max+32)
	for n := 0; n <= max; n++ {
		for off := 0; off < 8; off++ {
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
			each(string(buf)[off : off+n])
		}
	}
}

func TestHashMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts(rng, 200, func(s string) {
		seed := rng.Uint64()
		if got, want := Hash(seed, s), refHash(seed, s); got != want {
			t.Fatalf("Hash(%#x, %d bytes) = %#x, reference %#x", seed, len(s), got, want)
		}
	})
}

func TestEqualMatchesEquality(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	texts(rng, 200, func(a string) {
		b := strings.Clone(a) // another address, same bytes
		if !Equal(a, b) {
			t.Fatalf("Equal of %d equal bytes = false", len(a))
		}
		for pos := 0; pos < len(a); pos++ {
			c := []byte(b)
			c[pos] ^= byte(1 + rng.IntN(255))
			if Equal(a, string(c)) {
				t.Fatalf("length %d, byte %d changed: Equal = true", len(a), pos)
			}
		}
		if len(a) > 0 && (Equal(a, a[:len(a)-1]) || Equal(a[1:], a)) {
			t.Fatalf("length %d: Equal of different lengths = true", len(a))
		}
	})
}

// TestWordLoopsMatchGo holds the loops the build uses (assembly in wasm) to their Go form,
// word for word: in wasm this is the test of textword_wasm.s (make test-wasm-vectors).
func TestWordLoopsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	texts(rng, 400, func(s string) {
		n := len(s) &^ 7
		if n == 0 {
			return
		}
		p := unsafe.StringData(s)
		h := rng.Uint64()
		if got, want := hashWords(p, n, h), hashWordsGo(p, n, h); got != want {
			t.Fatalf("hashWords(%d bytes) = %#x, Go %#x", n, got, want)
		}
		c := []byte(s)
		if pos := rng.IntN(n + 1); pos < n {
			c[pos] ^= 0x80
		}
		q := &c[0]
		if got, want := equalWords(p, q, n), equalWordsGo(p, q, n); got != want {
			t.Fatalf("equalWords(%d bytes) = %v, Go %v", n, got, want)
		}
	})
}

// Distinct texts of a token's shape get distinct hashes: one byte changed anywhere, or two
// words swapped (within a lane or across lanes). A collision only costs the token cache a
// miss, but many would make it useless.
func TestHashSpreads(t *testing.T) {
	seen := map[uint64]string{}
	add := func(s, what string) {
		h := Hash(42, s)
		if prev, ok := seen[h]; ok && prev != s {
			t.Fatalf("%s: collides with another text", what)
		}
		seen[h] = s
	}
	base := strings.Repeat("eyJhbGciOiJSUzI1NiJ9", 40)
	for i := 0; i < len(base); i++ {
		for _, c := range []byte{'A', 'B', '-', '_'} {
			b := []byte(base)
			b[i] = c
			add(string(b), "byte "+strconv.Itoa(i)+" changed")
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	text := make([]byte, 800)
	for i := range text {
		text[i] = byte(rng.Uint32())
	}
	add(string(text), "the text")
	for i := 0; i < 100; i++ {
		for _, j := range []int{i + 1, i + 4, i + 5} {
			if j >= 100 {
				continue
			}
			b := append([]byte(nil), text...)
			copy(b[8*i:], text[8*j:8*j+8])
			copy(b[8*j:], text[8*i:8*i+8])
			add(string(b), "words "+strconv.Itoa(i)+" and "+strconv.Itoa(j)+" swapped")
		}
	}
}

func FuzzEqual(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "eyJhbGciOiJSUzI1NiJ9.e30.c2lm")
	f.Add("", "")
	f.Add("12345678", "12345679")
	f.Fuzz(func(t *testing.T, a, b string) {
		if Equal(a, b) != (a == b) {
			t.Fatalf("Equal(%q, %q) = %v", a, b, !(a == b))
		}
		if Hash(7, a) != refHash(7, a) {
			t.Fatalf("Hash(%q) differs from the reference", a)
		}
	})
}

var (
	benchText  = strings.Repeat("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0", 23)[:797]
	benchOther = strings.Clone(benchText)
	sinkHash   uint64
	sinkEqual  bool
)

// Run in wasm too: GOOS=wasip1 GOARCH=wasm go test -exec $PWD/build/wasiexec -run '^$'
// -bench . ./internal/textword (after building build/wasiexec from e2e/cmd/wasiexec).
func BenchmarkHash(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sinkHash += Hash(uint64(i), benchText)
	}
}

func BenchmarkEqual(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sinkEqual = Equal(benchText, benchOther)
	}
}
