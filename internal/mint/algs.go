package mint

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
)

// Algs is every JWS algorithm jwtguard verifies, in its catalogue order.
var Algs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// New generates a key for alg: RSA 2048 bits for RS* and PS*, the curve of ES256/ES384/ES512
// (P-256, P-384, P-521), Ed25519 for EdDSA.
func New(kid, alg string) (*Key, error) {
	k := &Key{Kid: kid, Alg: alg}
	var err error
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256", "ES384", "ES512":
		k.ec, err = ecdsa.GenerateKey(curveOf(alg), rand.Reader)
	case "EdDSA":
		_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, errors.New("mint: unknown alg " + alg)
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// As is the same private key signing as alg (another RS*/PS* for an RSA key), with its own
// kid: a key a JWKS may publish twice, or a signer for cross-algorithm cases.
func (k *Key) As(kid, alg string) *Key {
	c := *k
	c.Kid, c.Alg = kid, alg
	return &c
}

func curveOf(alg string) elliptic.Curve {
	switch alg {
	case "ES384":
		return elliptic.P384()
	case "ES512":
		return elliptic.P521()
	}
	return elliptic.P256()
}

// HashOf is the hash alg signs with (RFC 7518 §3.1): SHA-384 for *384, SHA-512 for *512,
// SHA-256 otherwise (EdDSA hashes inside the signature and ignores it).
func HashOf(alg string) crypto.Hash {
	switch alg[2:] {
	case "384":
		return crypto.SHA384
	case "512":
		return crypto.SHA512
	}
	return crypto.SHA256
}

// Digest hashes a signing input with h (SHA-256, SHA-384 or SHA-512).
func Digest(h crypto.Hash, input string) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384([]byte(input))
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512([]byte(input))
		return d[:]
	}
	d := sha256.Sum256([]byte(input))
	return d[:]
}

// SignRawAs signs header and payload the way alg signs, whatever the header says and
// whatever the key's own alg is, for cross-algorithm tests: a PS256 header over a PKCS#1
// v1.5 signature, an ES384 signature by a P-256 key. pssSalt is the RSA-PSS salt length
// (0: the hash length, as RFC 7518 §3.5 requires; other values make non-conforming
// signatures). An ES* signature is R || S at the key's own curve size.
func (k *Key) SignRawAs(alg string, pssSalt int, header, payload []byte) (string, error) {
	input := b64(header) + "." + b64(payload)
	var sig []byte
	var err error
	switch {
	case alg == "EdDSA":
		if k.ed == nil {
			return "", errors.New("mint: EdDSA needs an Ed25519 key")
		}
		sig = ed25519.Sign(k.ed, []byte(input))
	case len(alg) != 5:
		return "", errors.New("mint: unknown alg " + alg)
	case alg[0] == 'R' && k.rsa != nil:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.rsa, HashOf(alg), Digest(HashOf(alg), input))
	case alg[0] == 'P' && k.rsa != nil:
		opts := &rsa.PSSOptions{SaltLength: pssSalt}
		if pssSalt == 0 {
			opts.SaltLength = rsa.PSSSaltLengthEqualsHash
		}
		sig, err = rsa.SignPSS(rand.Reader, k.rsa, HashOf(alg), Digest(HashOf(alg), input), opts)
	case alg[0] == 'E' && k.ec != nil:
		sig, err = signECDSA(k.ec, Digest(HashOf(alg), input))
	default:
		return "", errors.New("mint: alg " + alg + " does not fit the key")
	}
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}

// signECDSA returns R || S (RFC 7518 §3.4), each at the curve's full octet length.
func signECDSA(k *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, k, digest)
	if err != nil {
		return nil, err
	}
	n := (k.Curve.Params().BitSize + 7) / 8
	sig := make([]byte, 2*n)
	r.FillBytes(sig[:n])
	s.FillBytes(sig[n:])
	return sig, nil
}
