package jwtverify

import (
	"crypto/ed25519"
	"math/big"

	"github.com/tidwall/gjson"
)

// setOKP reads an Octet Key Pair (RFC 8037 §2) into k and returns its thumbprint input
// (RFC 8037 §2: crv, kty, x). Only Ed25519 signs here: the standard library has no Ed448,
// and X25519/X448 are key-agreement keys (RFC 8037 §3.2), never signature keys.
func (k *Key) setOKP(jwk gjson.Result) (string, string) {
	crv := jwk.Get("crv")
	if crv.Type != gjson.String {
		return "", "crv missing or not a string"
	}
	switch crv.Str {
	case "Ed25519":
	case "Ed448":
		return "", "crv Ed448 is not supported (Go's standard library has no Ed448)"
	case "X25519", "X448":
		return "", "crv " + crv.Str + " is a key-agreement curve, not a signature curve"
	default:
		return "", "unsupported crv"
	}
	if k.alg != 0 && algInfo[k.alg].family != familyEdDSA {
		return "", "alg " + k.alg.String() + " does not fit kty OKP crv Ed25519"
	}
	x, why := decodeMember(jwk, "x")
	if why != "" {
		return "", why
	}
	if len(x) != ed25519.PublicKeySize {
		return "", "Ed25519 x must be 32 bytes"
	}
	if why := ed25519PointProblem(x); why != "" {
		return "", why
	}
	k.ed = ed25519.PublicKey(x)
	return `{"crv":"Ed25519","kty":"OKP","x":"` + b64url.EncodeToString(x) + `"}`, ""
}

// The curve edwards25519 (RFC 8032 §5.1): p = 2^255 - 19, d = -121665/121666 mod p.
var (
	edP        = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	edD        = edMul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), edP))
	edSqrtM1   = new(big.Int).Exp(big.NewInt(2), new(big.Int).Rsh(new(big.Int).Sub(edP, big.NewInt(1)), 2), edP)
	edSqrtExpo = new(big.Int).Rsh(new(big.Int).Add(edP, big.NewInt(3)), 3) // (p+3)/8
)

func edMul(a, b *big.Int) *big.Int { z := new(big.Int).Mul(a, b); return z.Mod(z, edP) }
func edAdd(a, b *big.Int) *big.Int { z := new(big.Int).Add(a, b); return z.Mod(z, edP) }
func edSub(a, b *big.Int) *big.Int { z := new(big.Int).Sub(a, b); return z.Mod(z, edP) }

// ed25519PointProblem says why a public key is not a usable Ed25519 point, or "". It
// decodes as RFC 8032 §5.1.3 does and refuses what crypto/ed25519 would let through at
// verification time: a non-canonical encoding (y ≥ p, or x = 0 with the sign bit set;
// Go decodes those leniently) and a point of small order, for which anyone can make
// signatures that verify with probability 1/8 or better, the key's owner or not.
func ed25519PointProblem(enc []byte) string {
	x, y, why := edDecode(enc)
	if why != "" {
		return why
	}
	// [8]P is the neutral element (0, 1) exactly when P's order divides the cofactor 8.
	for i := 0; i < 3; i++ {
		x, y = edAddPoints(x, y, x, y)
	}
	if x.Sign() == 0 && y.Cmp(big.NewInt(1)) == 0 {
		return "Ed25519 public key of small order"
	}
	return ""
}

// edDecode is RFC 8032 §5.1.3: y little-endian with x's sign in the top bit.
func edDecode(enc []byte) (x, y *big.Int, why string) {
	le := make([]byte, 32)
	for i := range le {
		le[i] = enc[31-i]
	}
	sign := le[0] >> 7
	le[0] &= 0x7f
	y = new(big.Int).SetBytes(le)
	if y.Cmp(edP) >= 0 {
		return nil, nil, "Ed25519 x is not a canonical point encoding"
	}
	yy := edMul(y, y)
	u := edSub(yy, big.NewInt(1))
	v := edAdd(edMul(edD, yy), big.NewInt(1))
	// x = sqrt(u/v): candidate (u/v)^((p+3)/8), times sqrt(-1) if that squares to -u/v.
	uv := edMul(u, new(big.Int).ModInverse(v, edP))
	x = new(big.Int).Exp(uv, edSqrtExpo, edP)
	if xx := edMul(x, x); xx.Cmp(uv) != 0 {
		if edAdd(xx, uv).Sign() != 0 {
			return nil, nil, "Ed25519 x is not a point of the curve"
		}
		x = edMul(x, edSqrtM1)
	}
	if x.Sign() == 0 && sign == 1 {
		return nil, nil, "Ed25519 x is not a canonical point encoding"
	}
	if uint(x.Bit(0)) != uint(sign) {
		x.Sub(edP, x)
	}
	return x, y, ""
}

// edAddPoints is the affine twisted Edwards addition with a = -1 (RFC 8032 §5.1.4); it is
// complete on edwards25519 (d is not a square), so doubling needs no special case.
func edAddPoints(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	t := edMul(edD, edMul(edMul(x1, x2), edMul(y1, y2)))
	x3 := edMul(edAdd(edMul(x1, y2), edMul(y1, x2)), new(big.Int).ModInverse(edAdd(big.NewInt(1), t), edP))
	y3 := edMul(edAdd(edMul(y1, y2), edMul(x1, x2)), new(big.Int).ModInverse(edSub(big.NewInt(1), t), edP))
	return x3, y3
}
