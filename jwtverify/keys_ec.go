package jwtverify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"math/big"
	"strconv"

	"github.com/tidwall/gjson"
)

// curveID is a NIST curve of RFC 7518 §6.2.1.1 that ES256/ES384/ES512 use.
type curveID uint8

const (
	curveP256 curveID = iota + 1
	curveP384
	curveP521
)

// curveInfo: the JWK "crv" name and the length of a coordinate and of r and s in octets
// (RFC 7518 §6.2.1.2 and §3.4: full length, 66 for P-521).
var curveInfo = [...]struct {
	name string
	size int
}{
	curveP256: {"P-256", 32},
	curveP384: {"P-384", 48},
	curveP521: {"P-521", 66},
}

func (c curveID) elliptic() elliptic.Curve {
	switch c {
	case curveP384:
		return elliptic.P384()
	case curveP521:
		return elliptic.P521()
	}
	return elliptic.P256()
}

// setEC reads an EC key (RFC 7518 §6.2.1) into k and returns its RFC 7638 thumbprint input.
// A JWK "alg" must be the ES* of the key's curve.
func (k *Key) setEC(jwk gjson.Result) (string, string) {
	crv := jwk.Get("crv")
	var c curveID
	for id := curveP256; id <= curveP521; id++ {
		if crv.Type == gjson.String && crv.Str == curveInfo[id].name {
			c = id
		}
	}
	if c == 0 {
		return "", "unsupported crv"
	}
	if k.alg != 0 && (algInfo[k.alg].family != familyECDSA || algInfo[k.alg].curve != c) {
		return "", "alg " + k.alg.String() + " does not fit kty EC crv " + curveInfo[c].name
	}
	pub, raw, why := parseEC(jwk, c)
	if why != "" {
		return "", why
	}
	k.ec, k.curve = pub, c
	if c == curveP256 {
		k.p256 = newP256Verifier(pub)
	}
	n := curveInfo[c].size
	return `{"crv":"` + curveInfo[c].name + `","kty":"EC","x":"` + b64url.EncodeToString(raw[1:1+n]) + `","y":"` + b64url.EncodeToString(raw[1+n:]) + `"}`, ""
}

// parseEC returns a key on curve c whose point was validated — coordinates below the field
// prime and on the curve (which also rules out the point at infinity, which has no affine
// coordinates; SEC 1 §3.2.2.1) — and its uncompressed encoding.
func parseEC(jwk gjson.Result, c curveID) (*ecdsa.PublicKey, []byte, string) {
	x, why := decodeMember(jwk, "x")
	if why != "" {
		return nil, nil, why
	}
	y, why := decodeMember(jwk, "y")
	if why != "" {
		return nil, nil, why
	}
	n := curveInfo[c].size
	if len(x) != n || len(y) != n {
		return nil, nil, "EC coordinates must be " + strconv.Itoa(n) + " bytes each on " + curveInfo[c].name
	}
	raw := make([]byte, 0, 1+2*n)
	raw = append(raw, 4)
	raw = append(append(raw, x...), y...)
	pub := &ecdsa.PublicKey{Curve: c.elliptic(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
	if !onCurve(pub.Curve.Params(), pub.X, pub.Y) {
		return nil, nil, "EC point is not on " + curveInfo[c].name
	}
	return pub, raw, ""
}

// onCurve checks y² = x³ - 3x + b (mod p) with 0 ≤ x, y < p, the short Weierstrass equation
// of the NIST curves (FIPS 186-5 / SP 800-186 §3.2.1). It is math/big rather than
// crypto/ecdh because ecdh brings its key-agreement code for every curve it is asked for,
// which this verifier never runs (the .wasm size, issue 18).
func onCurve(params *elliptic.CurveParams, x, y *big.Int) bool {
	p := params.P
	if x.Cmp(p) >= 0 || y.Cmp(p) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, p)
	rhs := new(big.Int).Mul(x, x)
	rhs.Sub(rhs, big.NewInt(3))
	rhs.Mul(rhs, x)
	rhs.Add(rhs, params.B)
	rhs.Mod(rhs, p)
	return lhs.Cmp(rhs) == 0
}
