package jwtverify

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// The field arithmetic of p256_field.go against math/big, on the constants it is built on
// and on random and extreme operands (0, 1, p-1, values with all limbs 2^64-1 below p).

var bigP256P, _ = new(big.Int).SetString("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16)

func p256ToBig(x *p256Element) *big.Int {
	// From the Montgomery domain: x·1·2^-256.
	var t p256Element
	p256Mul(&t, x, &p256Element{1})
	return limbsToBig(t)
}

func limbsToBig(t [4]uint64) *big.Int {
	v := new(big.Int)
	for i := 3; i >= 0; i-- {
		v.Lsh(v, 64)
		v.Or(v, new(big.Int).SetUint64(t[i]))
	}
	return v
}

func TestP256FieldConstants(t *testing.T) {
	r := new(big.Int).Lsh(big.NewInt(1), 256)
	cases := []struct {
		name string
		got  [4]uint64
		want *big.Int
	}{
		{"p", p256P, bigP256P},
		{"RR = 2^512 mod p", p256RR, new(big.Int).Mod(new(big.Int).Mul(r, r), bigP256P)},
		{"One = 2^256 mod p", p256One, new(big.Int).Mod(r, bigP256P)},
	}
	for _, tc := range cases {
		if got := limbsToBig(tc.got); got.Cmp(tc.want) != 0 {
			t.Errorf("%s: %x, want %x", tc.name, got, tc.want)
		}
	}
}

func p256FieldOperands(rng *rand.Rand, count int) []*big.Int {
	pm1 := new(big.Int).Sub(bigP256P, big.NewInt(1))
	ops := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), pm1, new(big.Int).Sub(bigP256P, big.NewInt(2)),
		new(big.Int).Rsh(bigP256P, 1), new(big.Int).Lsh(big.NewInt(1), 255), new(big.Int).SetUint64(^uint64(0))}
	for i := 0; i < count; i++ {
		var b [32]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		ops = append(ops, new(big.Int).Mod(new(big.Int).SetBytes(b[:]), bigP256P))
	}
	return ops
}

func TestP256FieldAgainstBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ops := p256FieldOperands(rng, 60)
	for _, a := range ops {
		var x p256Element
		if !p256SetBig(&x, a) {
			t.Fatalf("%x refused", a)
		}
		if got := p256ToBig(&x); got.Cmp(a) != 0 {
			t.Fatalf("round trip of %x: %x", a, got)
		}
		for _, b := range ops {
			var y, z p256Element
			p256SetBig(&y, b)
			check := func(op string, want *big.Int) {
				t.Helper()
				want.Mod(want, bigP256P)
				if got := p256ToBig(&z); got.Cmp(want) != 0 || !p256Less(&z, &p256P) {
					t.Fatalf("%s(%x, %x) = %x (limbs %x), want %x", op, a, b, got, z, want)
				}
			}
			p256Mul(&z, &x, &y)
			check("mul", new(big.Int).Mul(a, b))
			if a == b {
				p256Sqr(&z, &x)
				check("sqr", new(big.Int).Mul(a, a))
			}
			p256Add(&z, &x, &y)
			check("add", new(big.Int).Add(a, b))
			p256Sub(&z, &x, &y)
			check("sub", new(big.Int).Sub(a, b))
		}
		if a.Sign() != 0 {
			var inv, z p256Element
			p256Invert(&inv, &x)
			p256Mul(&z, &inv, &x)
			if z != p256One {
				t.Fatalf("%x · invert(%x) ≠ 1", a, a)
			}
		}
	}
	var z p256Element
	for _, tc := range []struct {
		name string
		v    *big.Int
	}{{"p", bigP256P}, {"2^256-1", new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))}, {"negative", big.NewInt(-1)}, {"2^256", new(big.Int).Lsh(big.NewInt(1), 256)}} {
		if p256SetBig(&z, tc.v) {
			t.Errorf("%s accepted as a field element", tc.name)
		}
	}
}
