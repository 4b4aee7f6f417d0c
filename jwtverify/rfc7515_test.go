package jwtverify

import "testing"

// The examples of RFC 7515 Appendix A.2 (RS256) and A.3 (ES256): public keys and tokens as
// printed in the RFC.
const (
	rfc7515A2Token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
	rfc7515A2JWKS  = `{"keys":[{"kty":"RSA","e":"AQAB","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"}]}`
	rfc7515A3Token = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
	rfc7515A3JWKS  = `{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
)

func TestRFC7515Examples(t *testing.T) {
	for _, tc := range []struct {
		name, token, jwks string
	}{
		{"A.2 RS256", rfc7515A2Token, rfc7515A2JWKS},
		{"A.3 ES256", rfc7515A3Token, rfc7515A3JWKS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := ParseJWKS([]byte(tc.jwks))
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			tok, err := Parse(tc.token, Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, err := tok.VerifySignature(ks, AllAlgorithms); err != nil {
				t.Fatalf("VerifySignature: %v", err)
			}
			if iss, ok := tok.Issuer(); !ok || iss != "joe" {
				t.Fatalf("iss = %q, want joe", iss)
			}
			if exp, ok := tok.Expiry(); !ok || exp.Unix() != 1300819380 {
				t.Fatalf("exp = %v", exp)
			}
			if v, found := tok.Claim(mustPath(t, "http://example.com/is_root")); found != ClaimFound || v.Raw != "true" {
				t.Fatalf("is_root claim = %q %v", v.Raw, found)
			}
			// Not allowed by the caller → refused, whatever the signature.
			if _, err := tok.VerifySignature(ks, NewAlgorithmSet()); err != ErrAlgNotAllowed {
				t.Fatalf("empty allow-list: %v, want ErrAlgNotAllowed", err)
			}
		})
	}
}
