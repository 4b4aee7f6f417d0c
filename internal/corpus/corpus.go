// Package corpus is jwtguard's adversarial request corpus: hostile tokens, Authorization
// headers and key-set entries, each with the exact answer the filter must give. The same
// cases run at unit level (filter, under proxytest) and end to end (e2e, the compiled .wasm
// through devproxy), so the two levels cannot drift apart. It is test code: nothing in the
// plugin imports it.
//
// The attacks follow the public record of JWT libraries and proxies: unsigned and HMAC
// tokens against RSA keys (alg confusion), CVE-2022-21449's zero ECDSA signature, embedded
// keys (jwk/jku/x5u/x5c), kid injection, crit and b64, duplicate members, odd NumericDates,
// oversized and deeply nested JSON, weak or malformed published keys, and ambiguous
// Authorization headers (RFC 6750 §2, RFC 7235 §2.1).
package corpus

import (
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// What the corpus assumes of the filter's configuration (see Provider and Rules).
const (
	Issuer    = "https://idp.example.com/"
	Audience  = "orders-api"
	QueryName = "access_token"
	// CookieName is the provider's from_cookies entry.
	CookieName = "session"
	// OpenPath needs no token; TokenPath needs a valid token; AdminPath needs scope "admin".
	OpenPath  = "/healthz"
	TokenPath = "/api/x"
	AdminPath = "/admin/x"
)

// Rules is the "rules" member the corpus assumes.
const Rules = `[
    {"match": {"prefix": "/healthz"}},
    {"match": {"prefix": "/admin"}, "require": {"scopes": ["admin"]}},
    {"match": {"prefix": "/api"}, "require": {}},
    ` + claimRules + `
  ]`

// Provider returns the members of provider "corp" the corpus assumes, except its keys
// (local_jwks or remote_jwks, which the caller adds, serving Corpus.JWKS).
// It lists all ten algorithms, ES512 too (not in the default), so every case reaches the check
// it is about.
func Provider() string {
	return `"issuer": "` + Issuer + `", "audiences": ["` + Audience + `"], "from_params": ["` + QueryName + `"]` +
		`, "from_cookies": ["` + CookieName + `"]` +
		`, "algorithms": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]`
}

// Case is one request and the answer it must get.
type Case struct {
	Name    string
	Path    string
	Headers [][2]string // besides :method, :path, :authority
	// Status 200 means the request must reach the upstream; otherwise the local reply's
	// status, with Reason its "reason".
	Status int
	Reason string
}

// Corpus is the set of cases with the key set they are judged against.
type Corpus struct {
	// JWKS holds the usable keys rsa-1, rsa-2, ec-1 and dup (published twice), plus hostile
	// entries the filter must skip: a 1024-bit key, even and huge exponents, EC points off
	// the curve and at infinity, kty/crv mismatches.
	JWKS  []byte
	Cases []Case
}

// New builds the corpus for a filter whose clock reads now. keys are the usual test keys;
// the weak, attacker and duplicate keys are generated here.
func New(keys mint.Keys, now time.Time) (*Corpus, error) {
	weak, err := mint.NewWeakRSA("weak-1024", 1024)
	if err != nil {
		return nil, err
	}
	attacker, err := mint.NewRSA("attacker", 2048)
	if err != nil {
		return nil, err
	}
	dupA, err := mint.NewRSA("dup", 2048)
	if err != nil {
		return nil, err
	}
	dupB, err := mint.NewRSA("dup", 2048)
	if err != nil {
		return nil, err
	}
	ak, err := newAlgKeys()
	if err != nil {
		return nil, err
	}
	g := &gen{now: now.Unix(), keys: keys}

	rsaJWK := keys.RSA.JWK()
	ecJWK := keys.EC.JWK()
	with := func(base map[string]any, kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	zero32 := b64(make([]byte, 32))
	set := []map[string]any{
		rsaJWK, keys.RSA2.JWK(), ecJWK, dupA.JWK(), dupB.JWK(),
		weak.JWK(),
		with(rsaJWK, "kid", "even-e", "e", b64(big.NewInt(65536).Bytes())),
		with(rsaJWK, "kid", "huge-e", "e", b64([]byte(strings.Repeat("\xff", 64)))),
		with(ecJWK, "kid", "off-curve", "y", b64(offCurveY(ecJWK))),
		with(ecJWK, "kid", "infinity", "x", zero32, "y", zero32),
		with(ecJWK, "kid", "kty-rsa-crv", "kty", "RSA"),
		with(ecJWK, "kid", "crv-p384", "crv", "P-384"),
		with(rsaJWK, "kid", "kty-ec-n", "kty", "EC"),
	}
	set = append(set, ak.jwks()...)
	jwks, err := json.Marshal(map[string]any{"keys": set})
	if err != nil {
		return nil, err
	}

	valid := g.sign(keys.RSA, nil, nil)
	validEC := g.sign(keys.EC, nil, nil)
	rsaParts := strings.Split(valid, ".")
	ecParts := strings.Split(validEC, ".")
	ecSig := mustB64(ecParts[2])
	n := elliptic.P256().Params().N
	es := func(r, s *big.Int) string {
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return ecParts[0] + "." + ecParts[1] + "." + b64(sig)
	}
	rsaSig := mustB64(rsaParts[2])
	unsigned := func(alg string) string {
		return b64([]byte(`{"alg":"`+alg+`","typ":"JWT"}`)) + "." + rsaParts[1] + "."
	}
	hs256 := func(secret []byte, kid string) string {
		input := b64([]byte(`{"alg":"HS256","typ":"JWT","kid":"`+kid+`"}`)) + "." + rsaParts[1]
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(input))
		return input + "." + b64(mac.Sum(nil))
	}
	pemKey, err := x509.MarshalPKIXPublicKey(keys.RSA.Public())
	if err != nil {
		return nil, err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pemKey})
	rsaJWKJSON, _ := json.Marshal(rsaJWK)
	r, s := new(big.Int).SetBytes(ecSig[:32]), new(big.Int).SetBytes(ecSig[32:])
	der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	if err != nil {
		return nil, err
	}
	future := strconv.FormatInt(g.now+600, 10)
	raw := func(header, payload string) string { return g.raw(keys.RSA, header, payload) }
	rsaHeader := `{"alg":"RS256","typ":"JWT","kid":"rsa-1"}`
	base := `"iss":"` + Issuer + `","aud":"` + Audience + `","sub":"alice"`

	c := &Corpus{JWKS: jwks}
	add := func(name string, status int, reason string, headers ...[2]string) {
		c.Cases = append(c.Cases, Case{Name: name, Path: TokenPath, Headers: headers, Status: status, Reason: reason})
	}
	auth := func(v string) [2]string { return [2]string{"authorization", v} }
	bearer := func(tok string) [2]string { return auth("Bearer " + tok) }

	// Baselines: the corpus's keys and claims are right, so every refusal below is for the
	// one thing each case changes.
	add("valid RS256", 200, "", bearer(valid))
	add("valid ES256", 200, "", bearer(validEC))
	add("valid rsa-2 (second key of the set)", 200, "", bearer(g.sign(keys.RSA2, nil, nil)))
	add("valid in the query", 200, "")
	c.Cases[len(c.Cases)-1].Path = TokenPath + "?" + QueryName + "=" + valid

	// Algorithms: the asymmetric ones of RFC 7518 and RFC 8037, case-sensitive (RFC 7518
	// §3.1), never none or HMAC (more in algorithms.go).
	// An Unsecured JWS (RFC 7515 §A.5) has an empty third segment; jwtverify refuses every
	// empty segment before it reads the header, so these never reach the alg check.
	add("alg none", 401, "malformed_token", bearer(unsigned("none")))
	add("alg None", 401, "malformed_token", bearer(unsigned("None")))
	add("alg NONE", 401, "malformed_token", bearer(unsigned("NONE")))
	add("alg None with a signature", 401, "alg_not_allowed", bearer(unsigned("None")+"AA"))
	add("alg none with the real RS256 signature", 401, "alg_not_allowed", bearer(unsigned("none")+rsaParts[2]))
	add("alg rs256 (lower case)", 401, "alg_not_allowed", bearer(raw(`{"alg":"rs256","kid":"rsa-1"}`, `{`+base+`,"exp":`+future+`}`)))
	add("alg HS512", 401, "alg_not_allowed", bearer(raw(`{"alg":"HS512","kid":"rsa-1"}`, `{`+base+`,"exp":`+future+`}`)))
	add("alg ES256K (not supported)", 401, "alg_not_allowed", bearer(raw(`{"alg":"ES256K","kid":"ec-1"}`, `{`+base+`,"exp":`+future+`}`)))
	add("alg Ed25519 (not an alg value; EdDSA is)", 401, "alg_not_allowed", bearer(raw(`{"alg":"Ed25519","kid":"ed-1"}`, `{`+base+`,"exp":`+future+`}`)))
	add("HS256 keyed with the RSA public key PEM", 401, "alg_not_allowed", bearer(hs256(pemBytes, "rsa-1")))
	add("HS256 keyed with the RSA modulus bytes", 401, "alg_not_allowed", bearer(hs256(mustB64(rsaJWK["n"].(string)), "rsa-1")))
	add("HS256 keyed with the JWK JSON", 401, "alg_not_allowed", bearer(hs256(rsaJWKJSON, "rsa-1")))
	add("RS256 naming the EC key", 401, "no_matching_key", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": "ec-1"})))
	add("ES256 naming an RSA key", 401, "no_matching_key", bearer(g.sign(keys.EC, nil, map[string]any{"kid": "rsa-1"})))
	add("no kid with several keys fitting the alg", 401, "no_matching_key", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": nil})))

	// ECDSA signatures: exactly 64 bytes r||s with 0 < r, s < n (RFC 7518 §3.4).
	add("ES256 r = s = 0 (CVE-2022-21449)", 401, "bad_signature", bearer(es(big.NewInt(0), big.NewInt(0))))
	add("ES256 r = 0", 401, "bad_signature", bearer(es(big.NewInt(0), s)))
	add("ES256 s = 0", 401, "bad_signature", bearer(es(r, big.NewInt(0))))
	add("ES256 r = n", 401, "bad_signature", bearer(es(n, s)))
	add("ES256 s = n", 401, "bad_signature", bearer(es(r, n)))
	add("ES256 s replaced by s + n", 401, "bad_signature", bearer(ecParts[0]+"."+ecParts[1]+"."+b64(append(append([]byte{}, ecSig[:32]...), new(big.Int).Add(s, n).Bytes()...))))
	add("ES256 DER-encoded signature", 401, "bad_signature", bearer(ecParts[0]+"."+ecParts[1]+"."+b64(der)))
	add("ES256 signature 63 bytes", 401, "bad_signature", bearer(ecParts[0]+"."+ecParts[1]+"."+b64(ecSig[:63])))
	add("ES256 signature 65 bytes", 401, "bad_signature", bearer(ecParts[0]+"."+ecParts[1]+"."+b64(append(append([]byte{}, ecSig...), 0))))
	add("ES256 signature of another token", 401, "bad_signature", bearer(ecParts[0]+"."+strings.Split(g.sign(keys.EC, map[string]any{"sub": "mallory"}, nil), ".")[1]+"."+ecParts[2]))

	// RSA signatures: exactly the modulus length (RFC 8017 §8.2.2 step 1).
	add("RS256 signature one byte short", 401, "bad_signature", bearer(rsaParts[0]+"."+rsaParts[1]+"."+b64(rsaSig[1:])))
	add("RS256 signature with a leading zero byte", 401, "bad_signature", bearer(rsaParts[0]+"."+rsaParts[1]+"."+b64(append([]byte{0}, rsaSig...))))
	add("RS256 signature of zeros", 401, "bad_signature", bearer(rsaParts[0]+"."+rsaParts[1]+"."+b64(make([]byte, len(rsaSig)))))
	add("RS256 empty signature", 401, "malformed_token", bearer(rsaParts[0]+"."+rsaParts[1]+"."))
	add("RS256 signed by another key under kid rsa-1", 401, "bad_signature", bearer(g.sign(attacker, nil, map[string]any{"kid": "rsa-1"})))

	// Published keys the filter must not use: the key set is accepted for its good keys and
	// these entries are skipped, so a token naming one is signed by an unknown kid.
	add("signed by a 1024-bit published key", 401, "unknown_kid", bearer(g.sign(weak, nil, nil)))
	add("key with an even exponent", 401, "unknown_kid", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": "even-e"})))
	add("key with a 512-bit exponent", 401, "unknown_kid", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": "huge-e"})))
	add("EC key off the curve", 401, "unknown_kid", bearer(g.sign(keys.EC, nil, map[string]any{"kid": "off-curve"})))
	add("EC key at infinity", 401, "unknown_kid", bearer(g.sign(keys.EC, nil, map[string]any{"kid": "infinity"})))
	add("EC members under kty RSA", 401, "unknown_kid", bearer(g.sign(keys.EC, nil, map[string]any{"kid": "kty-rsa-crv"})))
	add("EC key on P-384", 401, "unknown_kid", bearer(g.sign(keys.EC, nil, map[string]any{"kid": "crv-p384"})))
	add("RSA members under kty EC", 401, "unknown_kid", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": "kty-ec-n"})))
	add("kid published twice", 401, "ambiguous_key", bearer(g.sign(dupA, nil, nil)))

	// kid injection: a kid is only ever compared, never used as a path or query.
	add("kid with path traversal", 401, "unknown_kid", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": "../../rsa-1"})))
	add("kid with NUL", 401, "unknown_kid", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": "rsa-1\x00"})))
	add("kid with CR LF", 401, "unknown_kid", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": "rsa-1\r\nx-jwt-sub: admin"})))
	add("kid with SQL", 401, "unknown_kid", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": "' OR '1'='1"})))
	add("kid not a string", 401, "bad_json", bearer(g.sign(keys.RSA, nil, map[string]any{"kid": 1})))

	// Keys carried by the token are never trusted (RFC 8725 §3.10): the attacker's key
	// under its own kid is unknown; under a published kid, the published key decides.
	add("embedded jwk under its own kid", 401, "unknown_kid", bearer(g.sign(attacker, nil, map[string]any{"jwk": attacker.JWK()})))
	add("embedded jwk under kid rsa-1", 401, "bad_signature", bearer(g.sign(attacker, nil, map[string]any{"kid": "rsa-1", "jwk": attacker.JWK()})))
	add("jku to the attacker's set", 401, "bad_signature", bearer(g.sign(attacker, nil, map[string]any{"kid": "rsa-1", "jku": "https://attacker.example/jwks.json"})))
	add("x5u to the attacker's certificate", 401, "bad_signature", bearer(g.sign(attacker, nil, map[string]any{"kid": "rsa-1", "x5u": "https://attacker.example/cert.pem"})))
	add("x5c with the attacker's certificate", 401, "bad_signature", bearer(g.sign(attacker, nil, map[string]any{"kid": "rsa-1", "x5c": []string{b64(pemKey)}})))
	add("crit naming exp", 401, "unsupported_header", bearer(g.sign(keys.RSA, nil, map[string]any{"crit": []string{"exp"}})))
	add("b64 false (RFC 7797)", 401, "unsupported_header", bearer(g.sign(keys.RSA, nil, map[string]any{"b64": false, "crit": []string{"b64"}})))

	// JSON: duplicate members mean different things to different parsers (RFC 7515 §5.2).
	add("exp twice", 401, "duplicate_member", bearer(raw(rsaHeader, `{`+base+`,"exp":1,"exp":`+future+`}`)))
	add("exp twice, one escaped", 401, "duplicate_member", bearer(raw(rsaHeader, `{`+base+`,"exp":1,"\u0065xp":`+future+`}`)))
	add("alg twice", 401, "duplicate_member", bearer(raw(`{"alg":"none","alg":"RS256","kid":"rsa-1"}`, `{`+base+`,"exp":`+future+`}`)))
	add("exp as a string", 401, "bad_time_claim", bearer(raw(rsaHeader, `{`+base+`,"exp":"`+future+`"}`)))
	add("exp negative", 401, "bad_time_claim", bearer(raw(rsaHeader, `{`+base+`,"exp":-1}`)))
	add("exp 1e308", 401, "bad_time_claim", bearer(raw(rsaHeader, `{`+base+`,"exp":1e308}`)))
	add("exp null", 401, "bad_time_claim", bearer(raw(rsaHeader, `{`+base+`,"exp":null}`)))
	add("exp with a fraction (truncated, RFC 7519 §2)", 200, "", bearer(raw(rsaHeader, `{`+base+`,"exp":`+future+`.75}`)))
	add("exp missing", 401, "missing_exp", bearer(raw(rsaHeader, `{`+base+`}`)))
	add("expired", 401, "token_expired", bearer(g.sign(keys.RSA, map[string]any{"exp": g.now - 3600}, nil)))
	add("not yet valid", 401, "token_not_yet_valid", bearer(g.sign(keys.RSA, map[string]any{"nbf": g.now + 3600}, nil)))
	add("issued in the future", 401, "issued_in_future", bearer(g.sign(keys.RSA, map[string]any{"iat": g.now + 3600}, nil)))
	add("another issuer", 401, "unknown_issuer", bearer(g.sign(keys.RSA, map[string]any{"iss": "https://attacker.example/"}, nil)))
	add("another audience", 401, "wrong_audience", bearer(g.sign(keys.RSA, map[string]any{"aud": "other-api"}, nil)))
	add("payload nested 40 deep", 401, "bad_json", bearer(raw(rsaHeader, `{`+base+`,"exp":`+future+`,"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`}`)))
	add("payload not UTF-8", 401, "bad_json", bearer(raw(rsaHeader, `{`+base+`,"exp":`+future+`,"name":"\xff\xfe"}`)))
	add("payload an array", 401, "bad_json", bearer(raw(rsaHeader, `[1]`)))
	// 56 KiB stays under Envoy's default 60 KiB request-header limit
	// (max_request_headers_kb), so the filter, not the codec, answers it.
	add("56 KiB token", 401, "token_too_large", bearer(raw(rsaHeader, `{`+base+`,"exp":`+future+`,"pad":"`+strings.Repeat("a", 56<<10)+`"}`)))

	// The Authorization header (RFC 7235 §2.1, RFC 6750 §2.1): the scheme is
	// case-insensitive, one token68 follows, and a request carries one token in one place.
	add("scheme in lower case", 200, "", auth("bearer "+valid))
	add("scheme in upper case", 200, "", auth("BEARER "+valid))
	add("two spaces after the scheme", 200, "", auth("Bearer  "+valid))
	add("tab after the scheme is another scheme", 401, "missing_token", auth("Bearer\t"+valid))
	add("scheme glued to the token is another scheme", 401, "missing_token", auth("Bearer"+valid))
	add("Basic credentials", 401, "missing_token", auth("Basic YWxhZGRpbjpvcGVuc2VzYW1l"))
	add("scheme without a token", 400, "malformed_authorization", auth("Bearer "))
	add("token followed by a second word", 400, "malformed_authorization", auth("Bearer "+valid+" extra"))
	add("two tokens comma-joined", 400, "malformed_authorization", auth("Bearer "+valid+", Bearer "+valid))
	add("token with a quote", 400, "malformed_authorization", auth(`Bearer "`+valid+`"`))
	add("two Authorization headers", 400, "multiple_tokens", bearer(valid), bearer(validEC))
	add("tokens in the header and the query", 400, "multiple_tokens", bearer(valid))
	c.Cases[len(c.Cases)-1].Path = TokenPath + "?" + QueryName + "=" + validEC
	add("token twice in the query", 400, "multiple_tokens")
	c.Cases[len(c.Cases)-1].Path = TokenPath + "?" + QueryName + "=" + valid + "&" + QueryName + "=" + valid
	add("query token percent-encoded garbage", 400, "malformed_authorization")
	c.Cases[len(c.Cases)-1].Path = TokenPath + "?" + QueryName + "=%ZZ"
	add("no token", 401, "missing_token")

	// Token cookies (RFC 6265 §4.1.1 syntax, §5.4 Cookie header).
	cookie := func(v string) [2]string { return [2]string{"cookie", v} }
	add("cookie token", 200, "", cookie(CookieName+"="+valid))
	add("cookie token with whitespace around the pair", 200, "", cookie("  "+CookieName+" =\t"+valid+" ;theme=dark"))
	add("cookie token quoted", 200, "", cookie(CookieName+`="`+valid+`"`))
	add("cookie with ';' inside its quoted value", 400, "malformed_token_cookie", cookie(CookieName+`="`+valid[:20]+";"+valid[20:]+`"`))
	add("cookie value with a space", 400, "malformed_token_cookie", cookie(CookieName+"="+valid[:20]+" "+valid[20:]))
	add("cookie name in upper case is another cookie", 401, "missing_token", cookie(strings.ToUpper(CookieName)+"="+valid))
	add("cookie name as a suffix of another", 401, "missing_token", cookie("x"+CookieName+"="+valid))
	add("cookie token twice in one header", 400, "multiple_tokens", cookie(CookieName+"="+valid+"; "+CookieName+"="+valid))
	add("cookie token in two Cookie headers", 400, "multiple_tokens", cookie(CookieName+"="+valid), cookie(CookieName+"="+validEC))
	add("cookie token and Authorization", 400, "multiple_tokens", cookie(CookieName+"="+valid), bearer(validEC))
	add("cookie token and query token", 400, "multiple_tokens", cookie(CookieName+"="+valid))
	c.Cases[len(c.Cases)-1].Path = TokenPath + "?" + QueryName + "=" + validEC
	add("4 KiB cookie beside the token cookie", 200, "", cookie("big="+strings.Repeat("x", 4096)+"; "+CookieName+"="+valid))
	add("4 KiB token cookie of junk", 401, "malformed_token", cookie(CookieName+"="+strings.Repeat("a", 4096)))
	add("empty token cookie is no token", 401, "missing_token", cookie(CookieName+"="))

	ak.addAlgorithmCases(c, g, keys.RSA, keys.EC)

	// Scopes (RFC 6750 §3.1).
	c.Cases = append(c.Cases,
		Case{Name: "scope missing for /admin", Path: AdminPath, Headers: [][2]string{bearer(valid)}, Status: 403, Reason: "insufficient_scope"},
		Case{Name: "scope admin granted", Path: AdminPath, Headers: [][2]string{bearer(g.sign(keys.RSA, map[string]any{"scope": "admin"}, nil))}, Status: 200},
		Case{Name: "scope admin as an array (scp)", Path: AdminPath, Headers: [][2]string{bearer(g.sign(keys.RSA, map[string]any{"scope": nil, "scp": []string{"admin"}}, nil))}, Status: 200},
		Case{Name: "scope Admin (case-sensitive)", Path: AdminPath, Headers: [][2]string{bearer(g.sign(keys.RSA, map[string]any{"scope": "Admin"}, nil))}, Status: 403, Reason: "insufficient_scope"},
		Case{Name: "scope admin as a prefix of another", Path: AdminPath, Headers: [][2]string{bearer(g.sign(keys.RSA, map[string]any{"scope": "administrator"}, nil))}, Status: 403, Reason: "insufficient_scope"},
		Case{Name: "open route ignores a forged token", Path: OpenPath, Headers: [][2]string{bearer(unsigned("none"))}, Status: 200},
	)
	c.Cases = append(c.Cases, claimCases(g, keys.RSA)...)
	if g.err != nil {
		return nil, g.err
	}
	return c, nil
}

// gen signs tokens with claims valid at now, remembering the first error.
type gen struct {
	now  int64
	keys mint.Keys
	err  error
}

func (g *gen) claims(overrides map[string]any) map[string]any {
	claims := map[string]any{"iss": Issuer, "aud": Audience, "sub": "alice",
		"iat": g.now - 10, "nbf": g.now - 10, "exp": g.now + 600, "scope": "orders:read"}
	for name, v := range overrides {
		if v == nil {
			delete(claims, name)
			continue
		}
		claims[name] = v
	}
	return claims
}

func (g *gen) sign(k *mint.Key, overrides, header map[string]any) string {
	tok, err := k.Sign(g.claims(overrides), header)
	if err != nil && g.err == nil {
		g.err = err
	}
	return tok
}

func (g *gen) raw(k *mint.Key, header, payload string) string {
	tok, err := k.SignRaw([]byte(header), []byte(payload))
	if err != nil && g.err == nil {
		g.err = err
	}
	return tok
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustB64(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic("corpus: " + err.Error())
	}
	return b
}

// offCurveY returns a y coordinate that puts the JWK's x off P-256: for a given x only y and
// p−y are on the curve, and y+1 is p−y only if y = (p−1)/2.
func offCurveY(jwk map[string]any) []byte {
	y := new(big.Int).SetBytes(mustB64(jwk["y"].(string)))
	y.Add(y, big.NewInt(1))
	y.Mod(y, elliptic.P256().Params().P)
	out := make([]byte, 32)
	y.FillBytes(out)
	return out
}
