package jwtverify

import (
	"crypto/rand"
	"math/big"
	mrand "math/rand/v2"
	"slices"
	"testing"
)

// TestMontMulWasmMatchesGo: the wasm-assembly Montgomery product (rsa_montmul_wasm.s) agrees
// word for word with montMulGo, which TestRSAArithmeticDifferential holds to math/big, on
// random odd moduli of every padded size from 512 to 4096 bits and on inputs whose words are
// random, all 0 or all 2^64−1 (the carries' extremes), with t holding garbage beforehand.
func TestMontMulWasmMatchesGo(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	for words := 8; words <= 64; words += 8 {
		for trial := 0; trial < 200; trial++ {
			nb, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(64*words)))
			nb.SetBit(nb, 0, 1)
			nb.SetBit(nb, 64*words-1-rng.IntN(60), 1)
			m := newRSAModulus(nb, 65537)
			if m.words != words {
				continue
			}
			x, y := make([]uint64, words), make([]uint64, words)
			fill := func(z []uint64, kind int) {
				for i := range z {
					switch kind {
					case 0:
						z[i] = rng.Uint64()
					case 1:
						z[i] = ^uint64(0)
					case 2:
						z[i] = 0
					}
				}
				// below n: clear the top word's high bits
				z[words-1] &= m.n[words-1] >> 1
			}
			fill(x, trial%3)
			fill(y, (trial/3)%3)
			want, got := make([]uint64, words+1), make([]uint64, words+1)
			for i := range got {
				got[i] = rng.Uint64() // the product must clear what it writes into
			}
			montMulGo(want, x, y, m.n, m.nInv)
			montMulFIOS(got, x, y, m.n, m.nInv)
			if !slices.Equal(got, want) {
				t.Fatalf("%d words, trial %d: got %x, want %x", words, trial, got, want)
			}

		}
	}
}

func BenchmarkMontMulWasm(b *testing.B) {
	nb, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 2048))
	nb.SetBit(nb, 0, 1).SetBit(nb, 2047, 1)
	m := newRSAModulus(nb, 65537)
	x, y, z := make([]uint64, 32), make([]uint64, 32), make([]uint64, 33)
	for i := range x {
		x[i], y[i] = uint64(i)*0x9e3779b97f4a7c15, uint64(i+7)*0xc2b2ae3d27d4eb4f
	}
	b.Run("go", func(b *testing.B) {
		for range b.N {
			montMulGo(z, x, y, m.n, m.nInv)
		}
	})
	b.Run("wasm", func(b *testing.B) {
		for range b.N {
			montMulFIOS(z, x, y, m.n, m.nInv)
		}
	})
}
