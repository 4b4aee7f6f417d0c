package jwtverify

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math/big"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// algKeys holds one key per algorithm (kid = the alg, e.g. "PS256"), generated once per test
// binary: RSA generation is the slow part.
var algKeys = sync.OnceValue(func() map[string]*mint.Key {
	out := map[string]*mint.Key{}
	for _, alg := range mint.Algs {
		k, err := mint.New(alg, alg)
		if err != nil {
			panic(err)
		}
		out[alg] = k
	}
	return out
})

func allAlgKeys() []*mint.Key {
	var keys []*mint.Key
	for _, alg := range mint.Algs {
		keys = append(keys, algKeys()[alg])
	}
	return keys
}

// TestEveryAlgorithmVerifies: a token of each algorithm verifies with its key in a set that
// holds one key of each, with and without the JWK "alg" (then the type and curve decide).
func TestEveryAlgorithmVerifies(t *testing.T) {
	if len(mint.Algs) != len(Algorithms()) {
		t.Fatalf("mint signs %d algorithms, jwtverify lists %d", len(mint.Algs), len(Algorithms()))
	}
	for _, omit := range []bool{false, true} {
		var keys []*mint.Key
		for _, k := range allAlgKeys() {
			c := k.As(k.Kid, k.Alg)
			c.OmitJWKAlg = omit
			keys = append(keys, c)
		}
		ks, err := ParseJWKS(mint.JWKS(keys...))
		if err != nil || ks.Len() != len(keys) {
			t.Fatalf("key set: %v, %d keys", err, ks.Len())
		}
		for _, k := range keys {
			name := k.Alg
			if omit {
				name += " without JWK alg"
			}
			t.Run(name, func(t *testing.T) {
				alg, ok := ParseAlgorithm(k.Alg)
				if !ok || alg.String() != k.Alg {
					t.Fatalf("ParseAlgorithm(%q) = %v, %v", k.Alg, alg, ok)
				}
				tok, err := Parse(sign(t, k, validClaims(nil), nil), Limits{})
				if err != nil {
					t.Fatal(err)
				}
				id, err := tok.VerifySignature(ks, AllAlgorithms)
				if err != nil || !ks.Contains(id) || !strings.HasPrefix(string(id), k.Kid+" ") {
					t.Fatalf("id %q, err %v", id, err)
				}
				if _, err := tok.VerifySignature(ks, AllAlgorithms&^NewAlgorithmSet(alg)); !errors.Is(err, ErrAlgNotAllowed) {
					t.Fatalf("with %s left out of the allowed set: %v", alg, err)
				}
			})
		}
	}
}

// TestAlgorithmPinning (RFC 8725 §3.1): each key verifies only the algorithms its JWK alg,
// or else its type and curve, admit. The token is signed correctly for its header's alg by
// the key's own private half, so the only thing refused is the pairing.
func TestAlgorithmPinning(t *testing.T) {
	rsaKey := algKeys()["RS256"]
	tests := []struct {
		name    string
		key     *mint.Key
		omitAlg bool
		alg     string // the token's alg (signed as that alg)
		want    error
	}{
		{"RSA key without alg serves RS384", rsaKey, true, "RS384", nil},
		{"RSA key without alg serves PS512", rsaKey, true, "PS512", nil},
		{"RSA key with alg RS256 refuses PS256", rsaKey, false, "PS256", ErrNoMatchingKey},
		{"RSA key with alg RS256 refuses RS512", rsaKey, false, "RS512", ErrNoMatchingKey},
		{"PS256 key refuses RS256", algKeys()["PS256"], false, "RS256", ErrNoMatchingKey},
		{"P-256 key without alg refuses ES384", algKeys()["ES256"], true, "ES384", ErrNoMatchingKey},
		{"P-384 key without alg serves only ES384", algKeys()["ES384"], true, "ES384", nil},
		{"P-384 key without alg refuses ES512", algKeys()["ES384"], true, "ES512", ErrNoMatchingKey},
		{"P-521 key without alg refuses ES256", algKeys()["ES512"], true, "ES256", ErrNoMatchingKey},
		{"Ed25519 key without alg refuses ES256", algKeys()["EdDSA"], true, "ES256", ErrNoMatchingKey},
		{"EC key without alg refuses EdDSA", algKeys()["ES256"], true, "EdDSA", ErrNoMatchingKey},
		{"RSA key without alg refuses EdDSA", rsaKey, true, "EdDSA", ErrNoMatchingKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub := tc.key.As("k", tc.key.Alg)
			pub.OmitJWKAlg = tc.omitAlg
			ks, err := ParseJWKS(mint.JWKS(pub))
			if err != nil {
				t.Fatal(err)
			}
			header := `{"alg":"` + tc.alg + `","kid":"k"}`
			payload, _ := json.Marshal(validClaims(nil))
			raw, err := tc.key.SignRawAs(tc.alg, 0, []byte(header), payload)
			if err != nil { // the key cannot make that signature: any bytes will do
				raw = b64(header) + "." + b64(string(payload)) + "." + b64(strings.Repeat("\x01", 64))
			}
			tok, err := Parse(raw, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = tok.VerifySignature(ks, AllAlgorithms)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestThumbprints: the KeyID carries the RFC 7638 thumbprint; RFC 7638 §3.1 and RFC 8037
// Appendix A.3 give expected values, and for EC keys of every curve the thumbprint equals
// the SHA-256 of the required members serialized in lexicographic order.
func TestThumbprints(t *testing.T) {
	published := []struct{ name, jwk, want string }{
		{"RFC 7638 §3.1 RSA", `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},
		{"RFC 8037 A.3 Ed25519", `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
	}
	for _, tc := range published {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := ParseJWKS([]byte(`{"keys":[` + tc.jwk + `]}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(ks.keys[0].id); got[strings.IndexByte(got, ' ')+1:] != tc.want {
				t.Fatalf("KeyID %q, want thumbprint %s", got, tc.want)
			}
		})
	}
	for _, alg := range []string{"ES256", "ES384", "ES512"} {
		t.Run(alg, func(t *testing.T) {
			jwk := algKeys()[alg].JWK()
			required := map[string]any{"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}
			names := make([]string, 0, 4)
			for n := range required {
				names = append(names, n)
			}
			sort.Strings(names)
			canonical, _ := json.Marshal(required) // encoding/json sorts map keys
			sum := sha256.Sum256(canonical)
			ks, err := ParseJWKS(mint.JWKS(algKeys()[alg]))
			if err != nil {
				t.Fatal(err)
			}
			if want := KeyID(alg + " " + b64url.EncodeToString(sum[:])); ks.keys[0].id != want {
				t.Fatalf("KeyID %q, want %q (members %v)", ks.keys[0].id, want, names)
			}
		})
	}
}

// TestOKPKeyReasons: Octet Key Pair keys that are skipped, each with its reason.
func TestOKPKeyReasons(t *testing.T) {
	ed := algKeys()["EdDSA"].JWK()["x"].(string)
	le := func(b []byte) string { return b64url.EncodeToString(b) }
	p := make([]byte, 32) // p = 2^255 - 19, little-endian: ed ff … ff 7f
	for i := range p {
		p[i] = 0xff
	}
	p[0], p[31] = 0xed, 0x7f
	identity := make([]byte, 32) // (0, 1)
	identity[0] = 1
	negZero := append([]byte{}, identity...) // (0, 1) with the sign bit of x set
	negZero[31] |= 0x80
	order2 := append([]byte{}, p...) // (0, -1): y = p - 1
	order2[0]--
	tests := []struct{ name, jwk, why string }{
		{"Ed448", `{"kty":"OKP","crv":"Ed448","x":"` + le(make([]byte, 57)) + `"}`, "crv Ed448 is not supported (Go's standard library has no Ed448)"},
		{"X25519", `{"kty":"OKP","crv":"X25519","x":"` + ed + `"}`, "crv X25519 is a key-agreement curve, not a signature curve"},
		{"crv missing", `{"kty":"OKP","x":"` + ed + `"}`, "crv missing or not a string"},
		{"x 31 bytes", `{"kty":"OKP","crv":"Ed25519","x":"` + le(make([]byte, 31)) + `"}`, "Ed25519 x must be 32 bytes"},
		{"x missing", `{"kty":"OKP","crv":"Ed25519"}`, "x missing or not a string"},
		{"alg ES256", `{"kty":"OKP","crv":"Ed25519","alg":"ES256","x":"` + ed + `"}`, "alg ES256 does not fit kty OKP crv Ed25519"},
		{"y = p (non-canonical)", `{"kty":"OKP","crv":"Ed25519","x":"` + le(p) + `"}`, "Ed25519 x is not a canonical point encoding"},
		{"x = 0 with the sign bit set", `{"kty":"OKP","crv":"Ed25519","x":"` + le(negZero) + `"}`, "Ed25519 x is not a canonical point encoding"},
		{"the neutral element", `{"kty":"OKP","crv":"Ed25519","x":"` + le(identity) + `"}`, "Ed25519 public key of small order"},
		{"the point of order 2", `{"kty":"OKP","crv":"Ed25519","x":"` + le(order2) + `"}`, "Ed25519 public key of small order"},
		{"y = 2 is not on the curve", `{"kty":"OKP","crv":"Ed25519","x":"` + le(append([]byte{2}, make([]byte, 31)...)) + `"}`, "Ed25519 x is not a point of the curve"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := ParseJWKS([]byte(`{"keys":[` + jwkJSON(testRSA) + `,` + tc.jwk + `]}`))
			if err != nil {
				t.Fatal(err)
			}
			if ks.Len() != 1 || len(ks.Skipped()) != 1 || ks.Skipped()[0].Reason != tc.why {
				t.Fatalf("usable %d, skipped %+v; want one skipped with %q", ks.Len(), ks.Skipped(), tc.why)
			}
		})
	}
}

// TestOKPEveryTorsionPointRefused: the eight points of order dividing 8, found by
// computation ([L]Q for points Q of the curve, L the prime order of the base point, until one
// has order 8; then its multiples), are all refused, and a generated key is not.
func TestOKPEveryTorsionPointRefused(t *testing.T) {
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10) // 2^252 + 27742317777372353535851937790883648493
	var tx, ty *big.Int
	for seed := byte(3); tx == nil; seed++ {
		enc := make([]byte, 32)
		enc[0] = seed
		x, y, why := edDecode(enc)
		if why != "" {
			continue
		}
		rx, ry := big.NewInt(0), big.NewInt(1)
		for i := l.BitLen() - 1; i >= 0; i-- { // [L]Q, double and add
			rx, ry = edAddPoints(rx, ry, rx, ry)
			if l.Bit(i) == 1 {
				rx, ry = edAddPoints(rx, ry, x, y)
			}
		}
		qx, qy := rx, ry
		for i := 0; i < 2; i++ {
			qx, qy = edAddPoints(qx, qy, qx, qy)
		}
		if !(qx.Sign() == 0 && qy.Cmp(big.NewInt(1)) == 0) { // [4]T ≠ O: T has order 8
			tx, ty = rx, ry
		}
	}
	px, py := big.NewInt(0), big.NewInt(1)
	seen := map[string]bool{}
	for i := 0; i < 8; i++ {
		enc := edEncode(px, py)
		seen[string(enc)] = true
		if why := ed25519PointProblem(enc); why != "Ed25519 public key of small order" {
			t.Fatalf("torsion point %d (%x): %q", i, enc, why)
		}
		px, py = edAddPoints(px, py, tx, ty)
	}
	if len(seen) != 8 {
		t.Fatalf("%d distinct torsion points", len(seen))
	}
	if why := ed25519PointProblem(mustDecode(t, algKeys()["EdDSA"].JWK()["x"].(string))); why != "" {
		t.Fatalf("a generated key refused: %s", why)
	}
}

// edEncode is RFC 8032 §5.1.2.
func edEncode(x, y *big.Int) []byte {
	be := y.FillBytes(make([]byte, 32))
	out := make([]byte, 32)
	for i := range out {
		out[i] = be[31-i]
	}
	out[31] |= byte(x.Bit(0)) << 7
	return out
}

// TestECPointValidation: on every curve, a point must have coordinates below the field prime
// and lie on the curve (onCurve, math/big); the point at infinity has no affine encoding
// and (0, 0) is not on these curves.
func TestECPointValidation(t *testing.T) {
	for _, alg := range []string{"ES256", "ES384", "ES512"} {
		jwk := algKeys()[alg].JWK()
		crv := jwk["crv"].(string)
		x, y := mustDecode(t, jwk["x"].(string)), mustDecode(t, jwk["y"].(string))
		size := len(x)
		p := algKeys()[alg].Public().(*ecdsa.PublicKey).Curve.Params().P
		yPlusP := new(big.Int).Add(new(big.Int).SetBytes(y), p) // the same y mod p, if it fits
		tests := []struct {
			name   string
			x, y   []byte
			usable bool
		}{
			{"the key itself", x, y, true},
			{"y + 1", x, new(big.Int).Add(new(big.Int).SetBytes(y), big.NewInt(1)).FillBytes(make([]byte, size)), false},
			{"x = p", p.FillBytes(make([]byte, size)), y, false},
			{"(0, 0), where infinity would be", make([]byte, size), make([]byte, size), false},
		}
		if yPlusP.BitLen() <= 8*size {
			tests = append(tests, struct {
				name   string
				x, y   []byte
				usable bool
			}{"y + p (the same point, not reduced)", x, yPlusP.FillBytes(make([]byte, size)), false})
		}
		for _, tc := range tests {
			t.Run(alg+"/"+tc.name, func(t *testing.T) {
				doc := `{"keys":[` + jwkJSON(testRSA) + `,{"kty":"EC","crv":"` + crv + `","x":"` + b64url.EncodeToString(tc.x) + `","y":"` + b64url.EncodeToString(tc.y) + `"}]}`
				ks, err := ParseJWKS([]byte(doc))
				if err != nil {
					t.Fatal(err)
				}
				if tc.usable != (ks.Len() == 2) {
					t.Fatalf("usable %d, skipped %+v", ks.Len(), ks.Skipped())
				}
				if !tc.usable && ks.Skipped()[0].Reason != "EC point is not on "+crv {
					t.Fatalf("reason %q", ks.Skipped()[0].Reason)
				}
			})
		}
	}
}
