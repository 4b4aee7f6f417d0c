// Command floor is the performance floor of the plugin's benchmarks: the bare standard-library
// RS256 and ES256 verifications, compiled to wasm like the plugin and run in the same runtime.
// The host passes the very tokens and public keys that the plugin's benchmarks use, through
// the environment (FLOOR_RS256_TOKEN, FLOOR_RSA_N, FLOOR_ES256_TOKEN, FLOOR_EC_X,
// FLOOR_EC_Y: base64url, as in a JWK), so that the floor hashes a signing input of the same
// length with a key of the same size. The host calls floor_rs256(n) / floor_es256(n), which
// verify n times and return how many verified.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/jwtverify"
)

func main() {}

func b64(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}

func split(tok string) (string, []byte) {
	i := strings.LastIndexByte(tok, '.')
	return tok[:i], b64(tok[i+1:])
}

// The keys and tokens, decoded on the first call.
var (
	rsaPub            *rsa.PublicKey
	ecPub             *ecdsa.PublicKey
	rsaInput, ecInput string
	rsaSig, ecSig     []byte
	jwks              *jwtverify.KeySet
)

//go:wasmexport floor_rs256
func floorRS256(n uint32) uint32 {
	if rsaPub == nil { // once per instance: interleaved benchmarks call with n = 1
		rsaPub = &rsa.PublicKey{N: new(big.Int).SetBytes(b64(os.Getenv("FLOOR_RSA_N"))), E: 65537}
		rsaInput, rsaSig = split(os.Getenv("FLOOR_RS256_TOKEN"))
	}
	pub, input, sig := rsaPub, rsaInput, rsaSig
	ok := uint32(0)
	for i := uint32(0); i < n; i++ {
		d := sha256.Sum256([]byte(input))
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig) == nil {
			ok++
		}
	}
	return ok
}

//go:wasmexport floor_es256
func floorES256(n uint32) uint32 {
	if ecPub == nil {
		ecPub = &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(b64(os.Getenv("FLOOR_EC_X"))), Y: new(big.Int).SetBytes(b64(os.Getenv("FLOOR_EC_Y")))}
		ecInput, ecSig = split(os.Getenv("FLOOR_ES256_TOKEN"))
	}
	pub, input, sig := ecPub, ecInput, ecSig
	ok := uint32(0)
	for i := uint32(0); i < n; i++ {
		d := sha256.Sum256([]byte(input))
		if ecdsa.Verify(pub, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			ok++
		}
	}
	return ok
}

// jwtverify_rs256 is jwtguard's own token path without the proxy: jwtverify.Parse,
// ValidateClaims and VerifySignature of the same RS256 token (key set: FLOOR_JWKS; policy:
// FLOOR_ISSUER, FLOOR_AUDIENCE), so that the plugin's cold cost splits into the stdlib floor, jwtverify's
// parsing and checks, and the request path.
//
//go:wasmexport jwtverify_rs256
func jwtverifyRS256(n uint32) uint32 {
	if jwks == nil { // once per instance, as the plugin parses a key set once
		var err error
		if jwks, err = jwtverify.ParseJWKS([]byte(os.Getenv("FLOOR_JWKS"))); err != nil {
			return 0
		}
	}
	ks := jwks
	policy := &jwtverify.ClaimsPolicy{Issuer: os.Getenv("FLOOR_ISSUER"), Audiences: []string{os.Getenv("FLOOR_AUDIENCE")}}
	token := os.Getenv("FLOOR_RS256_TOKEN")
	ok := uint32(0)
	for i := uint32(0); i < n; i++ {
		tok, err := jwtverify.Parse(token, jwtverify.Limits{})
		if err != nil || tok.ValidateClaims(time.Now(), policy) != nil {
			continue
		}
		if _, err := tok.VerifySignature(ks, jwtverify.AllAlgorithms); err == nil {
			ok++
		}
	}
	return ok
}
