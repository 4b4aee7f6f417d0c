package jwtverify

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
)

var (
	testKeys                  = mint.MustKeys()
	testRSA, testRSA2, testEC = testKeys.RSA, testKeys.RSA2, testKeys.EC
	testNow                   = time.Unix(1_800_000_000, 0)
	testPolicy                = ClaimsPolicy{Issuer: "https://idp.example.com/", Audiences: []string{"api"}, ClockSkew: 60 * time.Second}
)

func validClaims(overrides map[string]any) map[string]any {
	now := testNow.Unix()
	c := map[string]any{"iss": "https://idp.example.com/", "aud": "api", "sub": "alice",
		"exp": now + 300, "nbf": now - 10, "iat": now - 10, "scope": "a b"}
	for k, v := range overrides {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func sign(t testing.TB, k *mint.Key, claims, header map[string]any) string {
	t.Helper()
	tok, err := k.Sign(claims, header)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func signRaw(t testing.TB, k *mint.Key, header, payload string) string {
	t.Helper()
	tok, err := k.SignRaw([]byte(header), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// check runs the whole pipeline: parse, claims, signature.
func check(raw string, ks *KeySet, policy ClaimsPolicy) error {
	tok, err := Parse(raw, Limits{})
	if err != nil {
		return err
	}
	if err := tok.ValidateClaims(testNow, &policy); err != nil {
		return err
	}
	_, err = tok.VerifySignature(ks, AllAlgorithms)
	return err
}

func TestEveryReason(t *testing.T) {
	ks, err := ParseJWKS(mint.JWKS(testRSA, testEC))
	if err != nil {
		t.Fatal(err)
	}
	valid := sign(t, testRSA, validClaims(nil), nil)
	parts := strings.Split(valid, ".")
	now := testNow.Unix()
	tests := []struct {
		name   string
		token  func() string
		policy *ClaimsPolicy
		keys   *KeySet
		want   error
	}{
		{"valid RS256", func() string { return valid }, nil, nil, nil},
		{"valid ES256", func() string { return sign(t, testEC, validClaims(nil), nil) }, nil, nil, nil},
		{"two segments", func() string { return parts[0] + "." + parts[1] }, nil, nil, ErrMalformed},
		{"four segments", func() string { return valid + ".x" }, nil, nil, ErrMalformed},
		{"empty signature (unsecured JWS)", func() string { return parts[0] + "." + parts[1] + "." }, nil, nil, ErrMalformed},
		{"too large", func() string { return valid + strings.Repeat("A", DefaultMaxTokenBytes) }, nil, nil, ErrTokenTooLarge},
		{"padding in a segment", func() string { return parts[0] + "=." + parts[1] + "." + parts[2] }, nil, nil, ErrBadBase64},
		{"standard base64 alphabet", func() string {
			return parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]) + "+"
		}, nil, nil, ErrBadBase64},
		{"non-canonical trailing bits", func() string {
			h := b64(`{"alg":"RS256"}`) // 15 bytes: last char carries 2 unused bits
			last := h[len(h)-1]
			return h[:len(h)-1] + string(last+1) + "." + parts[1] + "." + parts[2]
		}, nil, nil, ErrBadBase64},
		{"header not JSON", func() string { return b64("alg=RS256") + "." + parts[1] + "." + parts[2] }, nil, nil, ErrBadJSON},
		{"header is an array", func() string { return b64(`["RS256"]`) + "." + parts[1] + "." + parts[2] }, nil, nil, ErrBadJSON},
		{"payload not an object", func() string { return signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, `"hello"`) }, nil, nil, ErrBadJSON},
		{"duplicate alg in header", func() string {
			return signRaw(t, testRSA, `{"alg":"RS256","alg":"none","kid":"rsa-1"}`, `{}`)
		}, nil, nil, ErrDuplicateMember},
		{"duplicate exp in payload", func() string {
			return signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, `{"iss":"https://idp.example.com/","aud":"api","exp":1,"exp":`+itoa(now+300)+`}`)
		}, nil, nil, ErrDuplicateMember},
		{"escaped duplicate member name", func() string {
			return signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, `{"iss":"https://idp.example.com/","aud":"api","exp":`+itoa(now+300)+`,"\u0065xp":1}`)
		}, nil, nil, ErrDuplicateMember},
		{"alg none", func() string { return b64(`{"alg":"none"}`) + "." + parts[1] + ".AA" }, nil, nil, ErrAlgNotAllowed},
		{"alg NONE", func() string { return b64(`{"alg":"NONE"}`) + "." + parts[1] + ".AA" }, nil, nil, ErrAlgNotAllowed},
		{"alg HS256", func() string { return b64(`{"alg":"HS256","kid":"rsa-1"}`) + "." + parts[1] + "." + parts[2] }, nil, nil, ErrAlgNotAllowed},
		{"alg missing", func() string { return b64(`{"kid":"rsa-1"}`) + "." + parts[1] + "." + parts[2] }, nil, nil, ErrAlgNotAllowed},
		{"alg not a string", func() string { return b64(`{"alg":256}`) + "." + parts[1] + "." + parts[2] }, nil, nil, ErrAlgNotAllowed},
		{"crit present", func() string { return sign(t, testRSA, validClaims(nil), map[string]any{"crit": []string{"exp"}}) }, nil, nil, ErrUnsupportedHeader},
		{"b64 false", func() string { return sign(t, testRSA, validClaims(nil), map[string]any{"b64": false}) }, nil, nil, ErrUnsupportedHeader},
		{"unknown kid", func() string { return sign(t, testRSA2, validClaims(nil), nil) }, nil, nil, ErrUnknownKid},
		{"no kid with two keys", func() string { return sign(t, testRSA, validClaims(nil), map[string]any{"kid": nil}) }, nil, mustParse(t, mint.JWKS(testRSA, testRSA2)), ErrNoMatchingKey},
		{"kid of an EC key on an RS256 token", func() string { return sign(t, testRSA, validClaims(nil), map[string]any{"kid": "ec-1"}) }, nil, nil, ErrNoMatchingKey},
		{"duplicate kid", func() string { return valid }, nil, mustParse(t, []byte(`{"keys":[`+jwkJSON(testRSA)+`,`+jwkJSON(testRSA)+`]}`)), ErrAmbiguousKey},
		{"bad signature", func() string { return parts[0] + "." + parts[1] + "." + flip(parts[2]) }, nil, nil, ErrBadSignature},
		{"signature of another key under our kid", func() string { return sign(t, testRSA2, validClaims(nil), map[string]any{"kid": "rsa-1"}) }, nil, nil, ErrBadSignature},
		{"ES256 signature in DER", func() string {
			p := strings.Split(sign(t, testEC, validClaims(nil), nil), ".")
			sig, _ := base64.RawURLEncoding.DecodeString(p[2])
			der := append([]byte{0x30, 0x44, 0x02, 0x20}, sig[:32]...)
			der = append(append(der, 0x02, 0x20), sig[32:]...)
			return p[0] + "." + p[1] + "." + base64.RawURLEncoding.EncodeToString(der)
		}, nil, nil, ErrBadSignature},
		{"ES256 with r = s = 0 (psychic signature)", func() string {
			p := strings.Split(sign(t, testEC, validClaims(nil), nil), ".")
			return p[0] + "." + p[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 64))
		}, nil, nil, ErrBadSignature},
		{"missing exp", func() string { return sign(t, testRSA, validClaims(map[string]any{"exp": nil}), nil) }, nil, nil, ErrMissingExp},
		{"exp as a string", func() string { return sign(t, testRSA, validClaims(map[string]any{"exp": itoa(now + 300)}), nil) }, nil, nil, ErrBadTimeClaim},
		{"exp negative", func() string { return sign(t, testRSA, validClaims(map[string]any{"exp": -1}), nil) }, nil, nil, ErrBadTimeClaim},
		{"exp 1e308", func() string { return sign(t, testRSA, validClaims(map[string]any{"exp": 1e308}), nil) }, nil, nil, ErrBadTimeClaim},
		{"expired beyond skew", func() string { return sign(t, testRSA, validClaims(map[string]any{"exp": now - 61}), nil) }, nil, nil, ErrExpired},
		{"expired within skew", func() string { return sign(t, testRSA, validClaims(map[string]any{"exp": now - 59}), nil) }, nil, nil, nil},
		{"fractional exp", func() string { return sign(t, testRSA, validClaims(map[string]any{"exp": float64(now) + 300.5}), nil) }, nil, nil, nil},
		{"not yet valid", func() string { return sign(t, testRSA, validClaims(map[string]any{"nbf": now + 120}), nil) }, nil, nil, ErrNotYetValid},
		{"issued in the future", func() string { return sign(t, testRSA, validClaims(map[string]any{"iat": now + 120}), nil) }, nil, nil, ErrIssuedInFuture},
		{"wrong issuer", func() string {
			return sign(t, testRSA, validClaims(map[string]any{"iss": "https://idp.example.com"}), nil)
		}, nil, nil, ErrWrongIssuer},
		{"missing issuer", func() string { return sign(t, testRSA, validClaims(map[string]any{"iss": nil}), nil) }, nil, nil, ErrWrongIssuer},
		{"issuer not a string", func() string { return sign(t, testRSA, validClaims(map[string]any{"iss": 7}), nil) }, nil, nil, ErrBadClaim},
		{"wrong audience", func() string { return sign(t, testRSA, validClaims(map[string]any{"aud": "other"}), nil) }, nil, nil, ErrWrongAudience},
		{"audience array intersecting", func() string { return sign(t, testRSA, validClaims(map[string]any{"aud": []string{"x", "api"}}), nil) }, nil, nil, nil},
		{"audience array of numbers", func() string { return sign(t, testRSA, validClaims(map[string]any{"aud": []int{1}}), nil) }, nil, nil, ErrBadClaim},
		{"missing audience", func() string { return sign(t, testRSA, validClaims(map[string]any{"aud": nil}), nil) }, nil, nil, ErrWrongAudience},
		{"wrong typ", func() string { return valid }, &ClaimsPolicy{Issuer: testPolicy.Issuer, Typ: "at+jwt"}, nil, ErrWrongType},
		{"typ at+jwt with application/ prefix", func() string {
			return sign(t, testRSA, validClaims(nil), map[string]any{"typ": "application/AT+JWT"})
		}, &ClaimsPolicy{Issuer: testPolicy.Issuer, Typ: "at+jwt"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			policy := testPolicy
			if tc.policy != nil {
				policy = *tc.policy
			}
			keys := ks
			if tc.keys != nil {
				keys = tc.keys
			}
			err := check(tc.token(), keys, policy)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v (%s)", err, ReasonOf(err).Name())
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v (%s), want %s", err, ReasonOf(err).Name(), ReasonOf(tc.want).Name())
			}
			if ReasonOf(err) != ReasonOf(tc.want) {
				t.Fatalf("ReasonOf = %s, want %s", ReasonOf(err).Name(), ReasonOf(tc.want).Name())
			}
		})
	}
}

func TestVerifyWithoutKeys(t *testing.T) {
	tok, err := Parse(sign(t, testRSA, validClaims(nil), nil), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.VerifySignature(nil, AllAlgorithms); !errors.Is(err, ErrKeySetEmpty) {
		t.Fatalf("no key set: %v, want ErrKeySetEmpty", err)
	}
}

func TestKeySetReasons(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want error
		skip string // for a usable set: the reason of the single skipped key
	}{
		{"not JSON", `{"keys":`, ErrBadJWKS, ""},
		{"keys missing", `{}`, ErrBadJWKS, ""},
		{"keys not an array", `{"keys":{}}`, ErrBadJWKS, ""},
		{"duplicate keys member", `{"keys":[],"keys":[` + jwkJSON(testRSA) + `]}`, ErrBadJWKS, ""},
		{"empty", `{"keys":[]}`, ErrKeySetEmpty, ""},
		{"only an HMAC key", `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, ErrKeySetEmpty, ""},
		{"use enc skipped", `{"keys":[` + jwkJSON(testEC) + `,` + strings.Replace(jwkJSON(testRSA), `"use":"sig"`, `"use":"enc"`, 1) + `]}`, nil, `use is not "sig"`},
		{"key_ops without verify skipped", `{"keys":[` + jwkJSON(testEC) + `,` + withMember(jwkJSON(testRSA2), `"key_ops":["sign"]`) + `]}`, nil, `key_ops lacks "verify"`},
		{"RSA 1024 bits skipped", `{"keys":[` + jwkJSON(testEC) + `,{"kty":"RSA","e":"AQAB","n":"` + b64(strings.Repeat("\xff", 128)) + `"}]}`, nil, "RSA modulus of 1024 bits (allowed: 2048 to 16384)"},
		{"RSA even exponent skipped", `{"keys":[` + jwkJSON(testEC) + `,` + strings.Replace(jwkJSON(testRSA), `"e":"AQAB"`, `"e":"AQAC"`, 1) + `]}`, nil, "RSA exponent must be odd, at least 3 and below 2^31"},
		{"RSA exponent 1 skipped", `{"keys":[` + jwkJSON(testEC) + `,` + strings.Replace(jwkJSON(testRSA), `"e":"AQAB"`, `"e":"AQ"`, 1) + `]}`, nil, "RSA exponent must be odd, at least 3 and below 2^31"},
		{"EC point off the curve skipped", `{"keys":[` + jwkJSON(testRSA) + `,{"kty":"EC","crv":"P-256","x":"` + b64(strings.Repeat("\x01", 32)) + `","y":"` + b64(strings.Repeat("\x02", 32)) + `"}]}`, nil, "EC point is not on P-256"},
		{"EC P-256 key named P-384 skipped", `{"keys":[` + jwkJSON(testRSA) + `,` + strings.Replace(jwkJSON(testEC), `"P-256"`, `"P-384"`, 1) + `]}`, nil, "alg ES256 does not fit kty EC crv P-384"},
		{"EC P-256 coordinates named P-384 skipped", `{"keys":[` + jwkJSON(testRSA) + `,` + strings.Replace(strings.Replace(jwkJSON(testEC), `"P-256"`, `"P-384"`, 1), `"alg":"ES256",`, ``, 1) + `]}`, nil, "EC coordinates must be 48 bytes each on P-384"},
		{"EC secp256k1 skipped", `{"keys":[` + jwkJSON(testRSA) + `,` + strings.Replace(jwkJSON(testEC), `"P-256"`, `"secp256k1"`, 1) + `]}`, nil, "unsupported crv"},
		{"EC key with alg RS256 skipped", `{"keys":[` + jwkJSON(testRSA) + `,` + strings.Replace(jwkJSON(testEC), `"ES256"`, `"RS256"`, 1) + `]}`, nil, "alg RS256 does not fit kty EC crv P-256"},
		{"RSA key with alg EdDSA skipped", `{"keys":[` + jwkJSON(testEC) + `,` + strings.Replace(jwkJSON(testRSA), `"RS256"`, `"EdDSA"`, 1) + `]}`, nil, "alg EdDSA does not fit kty RSA"},
		{"RSA key with alg HS256 skipped", `{"keys":[` + jwkJSON(testEC) + `,` + strings.Replace(jwkJSON(testRSA), `"RS256"`, `"HS256"`, 1) + `]}`, nil, "unsupported alg"},
		{"padded base64 skipped", `{"keys":[` + jwkJSON(testEC) + `,` + strings.Replace(jwkJSON(testRSA), `"e":"AQAB"`, `"e":"AQAB===="`, 1) + `]}`, nil, "e is not unpadded base64url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := ParseJWKS([]byte(tc.doc))
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ks.Len() != 1 || len(ks.Skipped()) != 1 || ks.Skipped()[0].Reason != tc.skip {
				t.Fatalf("usable %d, skipped %+v; want 1 usable and one skipped with %q", ks.Len(), ks.Skipped(), tc.skip)
			}
		})
	}
}

func TestReasonCatalogueIsClosedAndNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Reasons() {
		if r.Name() == "" || r.Description() == "" || strings.ContainsAny(r.Name(), " .") {
			t.Errorf("reason %d has name %q, description %q", r, r.Name(), r.Description())
		}
		if seen[r.Name()] {
			t.Errorf("reason name %q used twice", r.Name())
		}
		seen[r.Name()] = true
	}
	if got := ReasonOf(errors.New("foreign")).Name(); got != "verification_failed" {
		t.Fatalf("ReasonOf(foreign) = %q", got)
	}
}

func mustParse(t *testing.T, doc []byte) *KeySet {
	ks, err := ParseJWKS(doc)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func jwkJSON(k *mint.Key) string {
	doc := string(mint.JWKS(k))
	return strings.TrimSuffix(strings.TrimPrefix(doc, `{"keys":[`), `]}`)
}

func withMember(jwk, member string) string { return "{" + member + "," + jwk[1:] }

func flip(s string) string {
	b := []byte(s)
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
