package jwtverify

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

// p256Key against crypto/ecdsa (the oracle): random keys, digests and signatures, and the
// edge cases a joint scalar multiplication and the final x mod n comparison can get wrong.

var (
	p256N     = elliptic.P256().Params().N
	bigP256NM = new(big.Int).Sub(p256N, big.NewInt(1))
)

// p256BaseMult returns d·G (1 ≤ d mod n) with crypto/ecdh, the standard library's
// non-deprecated scalar multiplication.
func p256BaseMult(t testing.TB, d *big.Int) (*big.Int, *big.Int) {
	t.Helper()
	k, err := ecdh.P256().NewPrivateKey(scalar32(d))
	if err != nil {
		t.Fatalf("d = %x: %v", d, err)
	}
	b := k.PublicKey().Bytes() // 04 || X || Y
	return new(big.Int).SetBytes(b[1:33]), new(big.Int).SetBytes(b[33:])
}

// p256TestKey is a key with its private scalar, for signatures built by hand.
type p256TestKey struct {
	d   *big.Int
	pub *ecdsa.PublicKey
	own *p256Key
}

func newP256TestKey(t testing.TB, d *big.Int) p256TestKey {
	t.Helper()
	x, y := p256BaseMult(t, d)
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
	own := newP256Key(x, y)
	if own == nil {
		t.Fatalf("key of d = %x refused", d)
	}
	return p256TestKey{d, pub, own}
}

func scalar32(v *big.Int) []byte { return new(big.Int).Mod(v, p256N).FillBytes(make([]byte, 32)) }

func sig64(r, s *big.Int) []byte {
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

// signRaw is ECDSA signing with a chosen nonce k (FIPS 186-5 §6.4.1): r = x(kG) mod n,
// s = k^-1 (e + r d) mod n, e the 32-byte digest as an integer. It exists so that tests can
// sign with keys crypto/ecdsa would not generate (d = 1, d = n-1).
func (k p256TestKey) signRaw(t testing.TB, e, nonce *big.Int) []byte {
	x, _ := p256BaseMult(t, nonce)
	r := new(big.Int).Mod(x, p256N)
	s := new(big.Int).Mul(r, k.d)
	s.Add(s, e)
	s.Mul(s, new(big.Int).ModInverse(nonce, p256N))
	s.Mod(s, p256N)
	return sig64(r, s)
}

// checkP256 compares the two verdicts and returns p256Key's.
func checkP256(t *testing.T, name string, k p256TestKey, digest, sig []byte) bool {
	t.Helper()
	ours := k.own.verify(digest, sig)
	theirs := verifyECDSA(k.pub, curveP256, digest, sig)
	if ours != theirs {
		t.Fatalf("%s: d = %x, digest %x, sig %x: p256Key %v, crypto/ecdsa %v", name, k.d, digest, sig, ours, theirs)
	}
	return ours
}

func randScalar(rng *mrand.Rand) *big.Int {
	var b [32]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	v := new(big.Int).Mod(new(big.Int).SetBytes(b[:]), bigP256NM)
	return v.Add(v, big.NewInt(1)) // [1, n-1]
}

func randBytes(rng *mrand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// TestP256DifferentialRandom: 10^5 cases (10^4 with -short), a new random key every eight,
// each a valid signature or one of its corruptions, random r and s, or a wrong length, over
// digests of any length from 0 to 64 bytes (bits2int truncates the longer ones).
func TestP256DifferentialRandom(t *testing.T) {
	cases := 100000
	if testing.Short() {
		cases = 10000
	}
	rng := mrand.New(mrand.NewPCG(19, 256))
	var k, other p256TestKey
	accepted, refused := 0, 0
	for i := 0; i < cases; i++ {
		if i%8 == 0 {
			k, other = newP256TestKey(t, randScalar(rng)), k
		}
		digest := randBytes(rng, 1+rng.IntN(64)) // empty: TestRegressionEmptyDigestVerdictDependedOnGo
		r, s, err := ecdsa.Sign(rand.Reader, &ecdsa.PrivateKey{PublicKey: *k.pub, D: k.d}, digest)
		if err != nil {
			t.Fatal(err)
		}
		sig := sig64(r, s)
		kind := i % 8
		switch kind {
		case 1: // one bit of the signature flipped
			sig[rng.IntN(64)] ^= 1 << rng.IntN(8)
		case 2: // one bit of the digest flipped
			if len(digest) > 0 {
				digest[rng.IntN(len(digest))] ^= 1 << rng.IntN(8)
			}
		case 3: // random r and s
			sig = randBytes(rng, 64)
		case 4: // s replaced by n - s: still valid (ECDSA is malleable; RFC 7518 does not forbid it)
			copy(sig[32:], scalar32(new(big.Int).Sub(p256N, s)))
		case 5: // signed by another key
			if other.own != nil {
				k = other
			}
		case 6: // wrong length
			if l := rng.IntN(70); l != 64 {
				sig = append(sig, randBytes(rng, 6)...)[:l]
			}
		}
		if checkP256(t, fmt.Sprintf("case %d (kind %d)", i, kind), k, digest, sig) {
			accepted++
		} else {
			refused++
		}
	}
	if accepted < cases/4 || refused < cases/4 {
		t.Fatalf("%d accepted, %d refused: the corpus is not what it says", accepted, refused)
	}
	t.Logf("%d cases: %d accepted, %d refused, as crypto/ecdsa", cases, accepted, refused)
}

// TestP256RangeEdges: r and s at and around the bounds of [1, n-1], with the other half of a
// valid signature.
func TestP256RangeEdges(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(3, 4))
	k := newP256TestKey(t, randScalar(rng))
	digest := randBytes(rng, 32)
	valid := k.signRaw(t, new(big.Int).SetBytes(digest), randScalar(rng))
	if !checkP256(t, "valid", k, digest, valid) {
		t.Fatal("the valid signature was refused")
	}
	all := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	values := []struct {
		name string
		v    *big.Int
	}{
		{"0", big.NewInt(0)}, {"1", big.NewInt(1)}, {"n-1", bigP256NM}, {"n", p256N},
		{"n+1", new(big.Int).Add(p256N, big.NewInt(1))}, {"2^256-1", all},
		{"r+n", new(big.Int).Add(new(big.Int).SetBytes(valid[:32]), p256N)},
		{"s+n", new(big.Int).Add(new(big.Int).SetBytes(valid[32:]), p256N)},
	}
	for _, v := range values {
		if v.v.BitLen() > 256 {
			continue // r+n or s+n may not fit 32 bytes
		}
		b := v.v.FillBytes(make([]byte, 32))
		r := append(append([]byte{}, b...), valid[32:]...)
		s := append(append([]byte{}, valid[:32]...), b...)
		if checkP256(t, "r = "+v.name, k, digest, r) || checkP256(t, "s = "+v.name, k, digest, s) {
			t.Errorf("r or s = %s accepted", v.name)
		}
	}
}
