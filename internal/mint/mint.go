// Package mint makes signing keys, JWKS documents and signed tokens for tests, benchmarks and
// the demo IdP. It signs with the standard library directly, not through jwtverify, so that
// what jwtverify accepts is checked against an independent signer. Keys are generated at run
// time: no private key is ever committed.
package mint

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
)

// Key is a private signing key with its JWK identity.
type Key struct {
	Kid string
	Alg string // the JWS "alg" it signs with: RS*, PS*, ES* (of its curve) or EdDSA
	// OmitJWKAlg leaves "alg" out of the key's JWK, so that a verifier must go by the
	// key's type and curve.
	OmitJWKAlg bool
	rsa        *rsa.PrivateKey
	ec         *ecdsa.PrivateKey
	ed         ed25519.PrivateKey
}

// NewRSA generates an RS256 key of the given size (2048 unless bits is larger).
func NewRSA(kid string, bits int) (*Key, error) {
	if bits < 2048 {
		bits = 2048
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, err
	}
	return &Key{Kid: kid, Alg: "RS256", rsa: k}, nil
}

// NewWeakRSA generates an RSA key of exactly bits bits, even below 2048, for tests that
// check that weak keys are refused.
func NewWeakRSA(kid string, bits int) (*Key, error) {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, err
	}
	return &Key{Kid: kid, Alg: "RS256", rsa: k}, nil
}

// NewEC generates an ES256 (P-256) key.
func NewEC(kid string) (*Key, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Key{Kid: kid, Alg: "ES256", ec: k}, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Public is the public half of the key.
func (k *Key) Public() crypto.PublicKey {
	switch {
	case k.rsa != nil:
		return &k.rsa.PublicKey
	case k.ed != nil:
		return k.ed.Public()
	}
	return &k.ec.PublicKey
}

// JWK is the public key as a JWK member map (RFC 7517, RFC 7518 §6, RFC 8037 §2).
func (k *Key) JWK() map[string]any {
	var m map[string]any
	switch {
	case k.rsa != nil:
		m = map[string]any{"kty": "RSA", "n": b64(k.rsa.N.Bytes()), "e": b64(big.NewInt(int64(k.rsa.E)).Bytes())}
	case k.ed != nil:
		m = map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64(k.ed.Public().(ed25519.PublicKey))}
	default:
		pub, _ := k.ec.PublicKey.ECDH()
		raw := pub.Bytes() // 0x04 || X || Y, each coordinate at its full length
		n := (len(raw) - 1) / 2
		m = map[string]any{"kty": "EC", "crv": k.ec.Curve.Params().Name, "x": b64(raw[1 : 1+n]), "y": b64(raw[1+n:])}
	}
	m["kid"], m["use"] = k.Kid, "sig"
	if !k.OmitJWKAlg {
		m["alg"] = k.Alg
	}
	return m
}

// JWKS is a JWK Set document with the public halves of keys.
func JWKS(keys ...*Key) []byte {
	set := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		set = append(set, k.JWK())
	}
	b, _ := json.Marshal(map[string]any{"keys": set})
	return b
}

// Sign makes a compact JWS of claims with header {"alg", "typ":"JWT", "kid"} plus extra
// header members (which may override those).
func (k *Key) Sign(claims map[string]any, extraHeader map[string]any) (string, error) {
	header := map[string]any{"alg": k.Alg, "typ": "JWT", "kid": k.Kid}
	for name, v := range extraHeader {
		if v == nil {
			delete(header, name)
			continue
		}
		header[name] = v
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return k.SignRaw(h, c)
}

// SignRaw signs the exact header and payload bytes given, for tokens whose JSON a test
// wants to control byte for byte (duplicate members, odd numbers).
func (k *Key) SignRaw(header, payload []byte) (string, error) {
	return k.SignRawAs(k.Alg, 0, header, payload)
}

// Keys is the usual set of test keys: two RS256 keys (kids rsa-1, rsa-2) and one ES256
// key (ec-1).
type Keys struct{ RSA, RSA2, EC *Key }

// MustKeys generates Keys, panicking on a failure of the system's random source (tests and
// benchmarks only; generating RSA keys is the slow part, so call it once per binary).
func MustKeys() Keys {
	r, err := NewRSA("rsa-1", 2048)
	if err != nil {
		panic(err)
	}
	r2, err := NewRSA("rsa-2", 2048)
	if err != nil {
		panic(err)
	}
	e, err := NewEC("ec-1")
	if err != nil {
		panic(err)
	}
	return Keys{RSA: r, RSA2: r2, EC: e}
}
