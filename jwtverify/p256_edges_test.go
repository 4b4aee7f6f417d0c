package jwtverify

import (
	"crypto/elliptic"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

// Constructed cases for the exceptional points of u1·G + u2·Q, each checked against
// crypto/ecdsa; the construction itself is asserted (the sum is infinity, x(R) ≥ n) so a
// case cannot silently stop testing what its name says.

// u1u2 returns u1 = e·s^-1 and u2 = r·s^-1 mod n of a signature, as limbs.
func u1u2(digest, sig []byte) ([4]uint64, [4]uint64) {
	e := new(big.Int).SetBytes(digest)
	w := new(big.Int).ModInverse(new(big.Int).SetBytes(sig[32:]), p256N)
	u1 := new(big.Int).Mul(e, w)
	u2 := new(big.Int).Mul(new(big.Int).SetBytes(sig[:32]), w)
	return p256Limbs(u1.Mod(u1, p256N)), p256Limbs(u2.Mod(u2, p256N))
}

// TestP256SumAtInfinity: e = -r·d mod n makes u1 + u2·d = 0, so u1·G = -u2·Q and the sum is
// the point at infinity, which must be refused; for keys d = 1 (Q = G), n-1 (Q = -G) and
// random ones.
func TestP256SumAtInfinity(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(5, 6))
	for _, d := range []*big.Int{big.NewInt(1), bigP256NM, big.NewInt(2), randScalar(rng), randScalar(rng)} {
		k := newP256TestKey(t, d)
		for i := 0; i < 20; i++ {
			r, s := randScalar(rng), randScalar(rng)
			e := new(big.Int).Mul(r, d)
			e.Neg(e).Mod(e, p256N)
			digest, sig := scalar32(e), sig64(r, s)
			var acc p256Jacobian
			u1, u2 := u1u2(digest, sig)
			p256MultiScalar(&acc, p256Params().g, k.own.tables(), u1, u2)
			if !acc.isInfinity() {
				t.Fatalf("d = %x: the construction did not reach infinity", d)
			}
			if checkP256(t, fmt.Sprintf("d = %x, infinity %d", d, i), k, digest, sig) {
				t.Fatal("sum at infinity accepted")
			}
		}
	}
}

// TestP256EqualHalves: signatures where u1·G = u2·Q, so that the sum is a doubling, for
// keys d = 1 (Q = G: both tables hold the same points, and the interleaved additions meet
// equal points along the way), n-1 (Q = -G: opposite points) and others. Valid ones: with a
// nonce k, r = x(kG) mod n, e = r·d and s = 2·r·d/k give u1 = k/2 and u2 = k/(2d), so
// u1·G = u2·Q and the sum is kG. Random ones: e = r·d for random r and s.
func TestP256EqualHalves(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(7, 8))
	for _, d := range []*big.Int{big.NewInt(1), bigP256NM, big.NewInt(3), randScalar(rng)} {
		k := newP256TestKey(t, d)
		for i := 0; i < 40; i++ {
			nonce := randScalar(rng)
			x, _ := p256BaseMult(t, nonce)
			r := new(big.Int).Mod(x, p256N)
			e := new(big.Int).Mul(r, d)
			e.Mod(e, p256N)
			s := new(big.Int).Lsh(e, 1)
			s.Mul(s, new(big.Int).ModInverse(nonce, p256N))
			s.Mod(s, p256N)
			u1, u2 := u1u2(scalar32(e), sig64(r, s))
			var a, b p256Jacobian
			p256MultiScalar(&a, p256Params().g, k.own.tables(), u1, [4]uint64{})
			p256MultiScalar(&b, p256Params().g, k.own.tables(), [4]uint64{}, u2)
			if !p256SamePoint(&a, &b) {
				t.Fatalf("d = %x: u1·G ≠ u2·Q, the construction is wrong", d)
			}
			if !checkP256(t, fmt.Sprintf("d = %x, valid, u1·G = u2·Q %d", d, i), k, scalar32(e), sig64(r, s)) {
				t.Fatalf("d = %x: valid signature refused by both", d)
			}
			r = randScalar(rng)
			e.Mul(r, d).Mod(e, p256N)
			checkP256(t, fmt.Sprintf("d = %x, random, u1·G = u2·Q %d", d, i), k, scalar32(e), sig64(r, randScalar(rng)))
		}
	}
}

// p256SamePoint compares two Jacobian points: X1·Z2² = X2·Z1² and Y1·Z2³ = Y2·Z1³.
func p256SamePoint(a, b *p256Jacobian) bool {
	if a.isInfinity() || b.isInfinity() {
		return a.isInfinity() == b.isInfinity()
	}
	var za, zb, l, r p256Element
	p256Sqr(&za, &a.z)
	p256Sqr(&zb, &b.z)
	p256Mul(&l, &a.x, &zb)
	p256Mul(&r, &b.x, &za)
	if l != r {
		return false
	}
	p256Mul(&za, &za, &a.z)
	p256Mul(&zb, &zb, &b.z)
	p256Mul(&l, &a.y, &zb)
	p256Mul(&r, &b.y, &za)
	return l == r
}

// TestP256XAboveOrder: signatures whose R has n ≤ x(R) < p, so r = x(R) - n. A point R with
// such an x is built (x = n + t, y = sqrt(x³ - 3x + b)), then the key Q = u2^-1·(R - u1·G) for
// random u1, u2, and the signature with u1 = e/s, u2 = r/s: s = r/u2, e = u1·s. crypto/ecdsa
// accepts it (x mod n = r); so must p256Key, through its second comparison (r + n).
func TestP256XAboveOrder(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(9, 10))
	params := elliptic.P256().Params()
	found := 0
	for t0 := int64(1); found < 8; t0++ {
		x := new(big.Int).Add(p256N, big.NewInt(t0))
		rhs := new(big.Int).Exp(x, big.NewInt(3), params.P)
		rhs.Sub(rhs, new(big.Int).Mul(big.NewInt(3), x))
		rhs.Add(rhs, params.B)
		rhs.Mod(rhs, params.P)
		y := new(big.Int).ModSqrt(rhs, params.P)
		if y == nil {
			continue
		}
		found++
		u1, u2 := randScalar(rng), randScalar(rng)
		gx, gy := p256BaseMult(t, u1)
		tx, ty := bigAffineAdd(x, y, gx, new(big.Int).Sub(params.P, gy))
		qx, qy := bigScalarMult(tx, ty, new(big.Int).ModInverse(u2, p256N))
		k := p256TestKey{d: big.NewInt(0), pub: newP256TestKey(t, big.NewInt(1)).pub, own: newP256Key(qx, qy)}
		k.pub.X, k.pub.Y = qx, qy
		if k.own == nil {
			t.Fatal("constructed key refused")
		}
		r := big.NewInt(t0) // x - n
		s := new(big.Int).Mul(r, new(big.Int).ModInverse(u2, p256N))
		s.Mod(s, p256N)
		e := new(big.Int).Mul(u1, s)
		e.Mod(e, p256N)
		digest := scalar32(e)
		if !checkP256(t, fmt.Sprintf("x = n + %d", t0), k, digest, sig64(r, s)) {
			t.Fatalf("x = n + %d: the signature with r = x - n was refused by both", t0)
		}
		// r = x itself is out of range; r = x - n with another digest is a wrong signature.
		if len(x.Bytes()) <= 32 && checkP256(t, fmt.Sprintf("r = x = n + %d", t0), k, digest, sig64(x, s)) {
			t.Fatal("r ≥ n accepted")
		}
		digest[31] ^= 1
		if checkP256(t, fmt.Sprintf("x = n + %d, other digest", t0), k, digest, sig64(r, s)) {
			t.Fatal("wrong digest accepted")
		}
	}
}

// bigAffineAdd and bigScalarMult are textbook affine arithmetic on P-256 in math/big, for
// the few points TestP256XAboveOrder builds (crypto/ecdh multiplies only the generator, and
// crypto/elliptic's point API is deprecated). Inputs are never the point at infinity; the sum
// of opposite points is not needed and returns (nil, nil).
func bigAffineAdd(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	p := elliptic.P256().Params().P
	var l *big.Int
	if x1.Cmp(x2) == 0 {
		if y1.Cmp(y2) != 0 || y1.Sign() == 0 {
			return nil, nil
		}
		l = new(big.Int).Mul(x1, x1) // λ = (3x² - 3) / 2y
		l.Mul(l, big.NewInt(3)).Sub(l, big.NewInt(3))
		l.Mul(l, new(big.Int).ModInverse(new(big.Int).Lsh(y1, 1), p))
	} else {
		l = new(big.Int).Sub(y2, y1) // λ = (y2 - y1) / (x2 - x1)
		l.Mul(l, new(big.Int).ModInverse(new(big.Int).Mod(new(big.Int).Sub(x2, x1), p), p))
	}
	l.Mod(l, p)
	x3 := new(big.Int).Mul(l, l)
	x3.Sub(x3, x1).Sub(x3, x2).Mod(x3, p)
	y3 := new(big.Int).Sub(x1, x3)
	y3.Mul(y3, l).Sub(y3, y1).Mod(y3, p)
	return x3, y3
}

func bigScalarMult(x, y, k *big.Int) (*big.Int, *big.Int) {
	var rx, ry *big.Int
	for i := k.BitLen() - 1; i >= 0; i-- {
		if rx != nil {
			rx, ry = bigAffineAdd(rx, ry, rx, ry)
		}
		if k.Bit(i) == 1 {
			if rx == nil {
				rx, ry = x, y
			} else {
				rx, ry = bigAffineAdd(rx, ry, x, y)
			}
		}
	}
	return rx, ry
}

// TestRegressionEmptyDigestVerdictDependedOnGo: a signature valid for e = 0 over an empty
// digest was accepted by p256Key and by crypto/ecdsa up to Go 1.26, and refused by Go 1.27's
// crypto/ecdsa (FuzzP256Verify found the difference under the fuzzing toolchain). Both paths
// now refuse an empty digest whatever the toolchain; a digest of zeros still verifies.
func TestRegressionEmptyDigestVerdictDependedOnGo(t *testing.T) {
	k := newP256TestKey(t, big.NewInt(48))
	sig := k.signRaw(t, new(big.Int), big.NewInt(48))
	for _, tc := range []struct {
		name   string
		digest []byte
		want   bool
	}{
		{"empty", nil, false},
		{"32 zero bytes", make([]byte, 32), true},
		{"one zero byte", []byte{0}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := k.own.verify(tc.digest, sig); got != tc.want {
				t.Errorf("p256Key: %v, want %v", got, tc.want)
			}
			if got := verifyECDSA(k.pub, curveP256, tc.digest, sig); got != tc.want {
				t.Errorf("verifyECDSA: %v, want %v", got, tc.want)
			}
		})
	}
}
