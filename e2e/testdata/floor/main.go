// Command floor is the performance floor of the plugin's benchmarks: the bare standard-library
// RS256 and ES256 verifications, compiled to wasm like the plugin and run in the same runtime.
// It verifies the RFC 7515 Appendix A.2 and A.3 examples (public keys and signatures printed
// in the RFC). The host calls floor_rs256(n) / floor_es256(n), which verify n times and
// return how many verified.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/jwtverify"
)

func main() {}

const (
	a2  = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
	a2N = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
	a3  = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
	a3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
	a3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
)

func b64(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}

func split(tok string) (string, []byte) {
	i := strings.LastIndexByte(tok, '.')
	return tok[:i], b64(tok[i+1:])
}

//go:wasmexport floor_rs256
func floorRS256(n uint32) uint32 {
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(b64(a2N)), E: 65537}
	input, sig := split(a2)
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
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(b64(a3X)), Y: new(big.Int).SetBytes(b64(a3Y))}
	input, sig := split(a3)
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
// ValidateClaims and VerifySignature of the same A.2 token, so that the plugin's cold cost
// splits into the stdlib floor, jwtverify's parsing and checks, and the request path.
//
//go:wasmexport jwtverify_rs256
func jwtverifyRS256(n uint32) uint32 {
	ks, err := jwtverify.ParseJWKS([]byte(`{"keys":[{"kty":"RSA","e":"AQAB","n":"` + a2N + `"}]}`))
	if err != nil {
		return 0
	}
	policy := &jwtverify.ClaimsPolicy{Issuer: "joe"}
	now := time.Unix(1300819000, 0) // before the token's exp
	ok := uint32(0)
	for i := uint32(0); i < n; i++ {
		tok, err := jwtverify.Parse(a2, jwtverify.Limits{})
		if err != nil || tok.ValidateClaims(now, policy) != nil {
			continue
		}
		if _, err := tok.VerifySignature(ks, jwtverify.DefaultAlgorithms); err == nil {
			ok++
		}
	}
	return ok
}
