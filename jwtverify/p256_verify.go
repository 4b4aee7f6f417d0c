package jwtverify

import (
	"math/big"
	"sync"
)

// Verification-only ECDSA over P-256 (ES256, RFC 7518 §3.4; FIPS 186-5 §6.4.2) for the
// wasm build, where crypto/ecdsa costs about 18 times what it costs natively (issue 19;
// docs/performance.md). Every input is public, so the code is variable-time. It computes
// u1·G + u2·Q with far fewer field multiplications than a general scalar multiplication:
//
//   - Each 256-bit scalar is cut into p256Pieces pieces of p256PieceBits bits, and the base
//     points into as many: u·B = Σ_j u_j·(2^(j·p256PieceBits)·B). The 2·p256Pieces products
//     are summed in one pass (Shamir's trick, interleaved), so the doublings are shared and
//     there are only p256PieceBits of them instead of 256.
//   - Each piece is in width-w NAF (non-adjacent form: odd digits, at least w-1 zeros after
//     each), so it costs one mixed addition per w+1 bits, from a table of odd multiples.
//   - The tables for G (wider window) are computed once per process, the first time a
//     P-256 key is parsed; those for Q once per key, at its first verification (see
//     p256Key), never per token.
//   - The final check needs no inversion: x(R) = X/Z² matches r when X = r·Z², or, since x
//     may be ≥ n and is reduced mod n (as crypto/ecdsa does), when X = (r+n)·Z² with r+n < p.
//
// Scalar arithmetic mod n (s^-1, u1, u2) is math/big (its Lehmer GCD for the inverse).
//
// The sizes trade the doublings (p256PieceBits) against the additions (about 256/(w+1) per
// scalar) and the tables' size and building time; docs/performance.md has the measurements
// that chose them. A piece is a uint64 and a NAF digit an int8, hence the bounds below.
const (
	p256Pieces    = 16
	p256PieceBits = 256 / p256Pieces
	p256GWindow   = 8                      // 2^(8-2) = 64 odd multiples per piece: 64 KiB, once
	p256QWindow   = 6                      // 16 per piece: 16 KiB a key
	p256GSize     = 1 << (p256GWindow - 2) // entries per table
	p256QSize     = 1 << (p256QWindow - 2)

	_ = uint(64 - p256PieceBits) // a piece fits a uint64
	_ = uint(8 - p256GWindow)    // |digit| < 2^(w-1) fits an int8
	_ = uint(8 - p256QWindow)
)

// p256Curve holds what every P-256 verification shares: the order n, p - n (r + n < p
// decides the second comparison), b in the Montgomery domain and the generator's tables.
type p256Curve struct {
	n, pMinusN *big.Int
	b          p256Element
	g          [][]p256Affine
}

// p256Params builds the curve's constants the first time a P-256 key is parsed, so a
// process that never sees one, or the build that uses crypto/ecdsa, does not pay for them.
var p256Params = sync.OnceValue(func() *p256Curve {
	hex := func(s string) *big.Int {
		v, _ := new(big.Int).SetString(s, 16)
		return v
	}
	// SP 800-186 §3.2.1.3.
	p := hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
	c := &p256Curve{n: hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")}
	c.pMinusN = new(big.Int).Sub(p, c.n)
	var g p256Affine
	p256SetBig(&c.b, hex("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"))
	p256SetBig(&g.x, hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"))
	p256SetBig(&g.y, hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"))
	c.g = p256Tables(&g, p256Pieces, p256GSize)
	return c
})

// p256SetBig sets z to v (0 ≤ v < p) in the Montgomery domain and reports whether v was in
// range.
func p256SetBig(z *p256Element, v *big.Int) bool {
	if v.Sign() < 0 || v.BitLen() > 256 {
		return false
	}
	var b [32]byte
	return p256FromBytes(z, (*[32]byte)(v.FillBytes(b[:])))
}

// p256Key is a P-256 public key Q and, from its first verification on, its tables:
// q[j][i] = (2i+1)·2^(j·p256PieceBits)·Q. The tables are built lazily rather than when the
// key set is parsed because a key set may hold up to MaxJWKSKeys keys of which a token
// names one: building them for every P-256 key of a large set would cost each JWKS fetch
// (and its memory) for keys that may never verify anything. A key set is shared, hence the
// sync.Once (the plugin itself is single-threaded).
type p256Key struct {
	point p256Affine
	once  sync.Once
	q     [][]p256Affine
}

// newP256Key returns the key of the point (x, y), or nil when it is not a point of P-256
// (coordinates ≥ p, or off the curve). The key set parser validates keys already (parseEC);
// this check makes the verifier safe on its own.
func newP256Key(x, y *big.Int) *p256Key {
	c := p256Params()
	k := &p256Key{}
	if !p256SetBig(&k.point.x, x) || !p256SetBig(&k.point.y, y) || !p256OnCurve(&k.point, &c.b) {
		return nil
	}
	return k
}

// tables returns the key's tables, built on the first call.
func (k *p256Key) tables() [][]p256Affine {
	k.once.Do(func() { k.q = p256Tables(&k.point, p256Pieces, p256QSize) })
	return k.q
}

// p256OnCurve checks y² = x³ - 3x + b.
func p256OnCurve(a *p256Affine, b *p256Element) bool {
	var lhs, rhs, t p256Element
	p256Sqr(&lhs, &a.y)
	p256Sqr(&rhs, &a.x)
	p256Mul(&rhs, &rhs, &a.x)
	p256Add(&t, &a.x, &a.x)
	p256Add(&t, &t, &a.x)
	p256Sub(&rhs, &rhs, &t)
	p256Add(&rhs, &rhs, b)
	return lhs == rhs
}

// verify checks an ES256 signature R || S (exactly 32 + 32 octets, RFC 7518 §3.4) over the
// digest, with crypto/ecdsa's verdicts: r and s must be in [1, n-1] (which also refuses
// CVE-2022-21449's r = s = 0), the digest is taken as its leftmost 256 bits reduced mod n
// (bits2int, FIPS 186-5 §6.4.2 step 3), R = u1·G + u2·Q must not be infinity, and
// x(R) mod n must equal r.
func (k *p256Key) verify(digest, sig []byte) bool {
	if k == nil || len(sig) != 64 || len(digest) == 0 { // empty: as verifyECDSA
		return false
	}
	c := p256Params()
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(c.n) >= 0 || s.Cmp(c.n) >= 0 {
		return false
	}
	if len(digest) > 32 {
		digest = digest[:32] // n has exactly 256 bits: no shift after the truncation
	}
	e := new(big.Int).SetBytes(digest)
	w := new(big.Int).ModInverse(s, c.n)
	u1 := e.Mul(e, w)
	u1.Mod(u1, c.n)
	u2 := w.Mul(w, r)
	u2.Mod(u2, c.n)

	var acc p256Jacobian
	p256MultiScalar(&acc, c.g, k.tables(), p256Limbs(u1), p256Limbs(u2))
	if acc.isInfinity() {
		return false
	}
	var z2, rz2, rm p256Element
	p256Sqr(&z2, &acc.z)
	p256SetBig(&rm, r) // r < n < p
	p256Mul(&rz2, &rm, &z2)
	if rz2 == acc.x {
		return true
	}
	// x(R) ≥ n reduces to x - n: r matches it when x = r + n, possible only if r + n < p.
	if r.Cmp(c.pMinusN) >= 0 {
		return false
	}
	p256SetBig(&rm, r.Add(r, c.n))
	p256Mul(&rz2, &rm, &z2)
	return rz2 == acc.x
}

// p256Limbs returns 0 ≤ v < 2^256 as little-endian 64-bit limbs.
func p256Limbs(v *big.Int) [4]uint64 {
	var b [32]byte
	v.FillBytes(b[:])
	var l [4]uint64
	for i := range l {
		for _, x := range b[24-8*i : 32-8*i] {
			l[i] = l[i]<<8 | uint64(x)
		}
	}
	return l
}

// p256Piece returns bits [j·p256PieceBits, (j+1)·p256PieceBits) of the scalar.
func p256Piece(l *[4]uint64, j int) uint64 {
	bit := j * p256PieceBits
	v := l[bit/64] >> (bit % 64)
	if p256PieceBits < 64 {
		v &= 1<<(p256PieceBits%64) - 1
	}
	return v
}

// p256WNAF writes the width-w NAF of k (k < 2^p256PieceBits) into d, least significant
// digit first: k = Σ d[i]·2^i, each digit 0 or odd with |d[i]| < 2^(w-1). It returns the
// number of digits up to the highest non-zero one. A negative digit carries into the bit
// above the piece, hence one digit more than p256PieceBits.
func p256WNAF(d *[p256PieceBits + 1]int8, k uint64, w uint) int {
	var hi uint64 // bit 64 of the value being recoded
	n := 0
	for i := 0; k != 0 || hi != 0; i++ {
		if k&1 == 1 {
			digit := int64(k & (1<<w - 1))
			if digit >= 1<<(w-1) {
				digit -= 1 << w
			}
			d[i] = int8(digit)
			if digit > 0 {
				k -= uint64(digit)
			} else {
				before := k
				k += uint64(-digit)
				if k < before {
					hi++
				}
			}
			n = i + 1
		}
		k = k>>1 | hi<<63
		hi = 0
	}
	return n
}

// p256MultiScalar sets acc = u1·G + u2·Q from the generator's tables g and the key's q.
func p256MultiScalar(acc *p256Jacobian, g, q [][]p256Affine, u1, u2 [4]uint64) {
	var gd, qd [p256Pieces][p256PieceBits + 1]int8
	top := 0
	for j := 0; j < p256Pieces; j++ {
		top = max(top, p256WNAF(&gd[j], p256Piece(&u1, j), p256GWindow))
		top = max(top, p256WNAF(&qd[j], p256Piece(&u2, j), p256QWindow))
	}
	*acc = p256Jacobian{}
	for i := top - 1; i >= 0; i-- {
		acc.double()
		for j := 0; j < p256Pieces; j++ {
			if d := gd[j][i]; d > 0 {
				acc.addAffine(&g[j][d>>1], false)
			} else if d < 0 {
				acc.addAffine(&g[j][(-d)>>1], true)
			}
			if d := qd[j][i]; d > 0 {
				acc.addAffine(&q[j][d>>1], false)
			} else if d < 0 {
				acc.addAffine(&q[j][(-d)>>1], true)
			}
		}
	}
}
