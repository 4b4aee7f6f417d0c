package corpus

import (
	"encoding/json"
	"math/big"
	"strings"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// algKeys are the corpus's keys of the algorithms beyond RS256/ES256: one key of each type
// and curve, published with their JWK "alg" (ps-1, es384-1, es512-1, ed-1) or without it
// (rsa-any: its type decides, RS* and PS*), plus keys the filter must skip (Ed448, an
// Ed25519 point of small order, a P-521 key with short coordinates).
type algKeys struct {
	ps, es384, es512, ed, rsaAny *mint.Key
}

func newAlgKeys() (*algKeys, error) {
	k := &algKeys{}
	for _, p := range []struct {
		dst      **mint.Key
		kid, alg string
	}{{&k.ps, "ps-1", "PS256"}, {&k.es384, "es384-1", "ES384"}, {&k.es512, "es512-1", "ES512"}, {&k.ed, "ed-1", "EdDSA"}, {&k.rsaAny, "rsa-any", "RS384"}} {
		key, err := mint.New(p.kid, p.alg)
		if err != nil {
			return nil, err
		}
		*p.dst = key
	}
	k.rsaAny.OmitJWKAlg = true
	return k, nil
}

// jwks is what these keys add to the corpus's key set.
func (k *algKeys) jwks() []map[string]any {
	identity := make([]byte, 32) // the neutral element (0, 1): small order
	identity[0] = 1
	p521 := k.es512.JWK()
	short := map[string]any{}
	for name, v := range p521 {
		short[name] = v
	}
	short["kid"], short["x"] = "p521-short", b64(mustB64(p521["x"].(string))[1:])
	return []map[string]any{
		k.ps.JWK(), k.es384.JWK(), k.es512.JWK(), k.ed.JWK(), k.rsaAny.JWK(),
		{"kty": "OKP", "crv": "Ed448", "kid": "ed448", "x": b64(make([]byte, 57))},
		{"kty": "OKP", "crv": "Ed25519", "kid": "ed-small-order", "x": b64(identity)},
		short,
	}
}

// addAlgorithmCases: each algorithm accepted with its key, and the cross-algorithm cases of
// issue 18 refused, each for its exact reason (RFC 8725 §3.1: a key is used with the
// algorithms its JWK alg, or else its type and curve, admit).
func (k *algKeys) addAlgorithmCases(c *Corpus, g *gen, rsa1, ec1 *mint.Key) {
	add := func(name string, status int, reason, tok string) {
		c.Cases = append(c.Cases, Case{Name: name, Path: TokenPath, Headers: [][2]string{{"authorization", "Bearer " + tok}}, Status: status, Reason: reason})
	}
	claims, _ := json.Marshal(g.claims(nil))
	as := func(signer *mint.Key, sigAlg string, salt int, header string) string {
		tok, err := signer.SignRawAs(sigAlg, salt, []byte(header), claims)
		if err != nil && g.err == nil {
			g.err = err
		}
		return tok
	}
	add("valid PS256", 200, "", g.sign(k.ps, nil, nil))
	add("valid ES384", 200, "", g.sign(k.es384, nil, nil))
	add("valid ES512", 200, "", g.sign(k.es512, nil, nil))
	add("valid EdDSA (Ed25519)", 200, "", g.sign(k.ed, nil, nil))
	for _, alg := range []string{"RS384", "RS512", "PS384", "PS512"} {
		add("valid "+alg+" by an RSA key published without alg", 200, "", g.sign(k.rsaAny.As("rsa-any", alg), nil, nil))
	}

	add("RS512 naming the key published as RS256", 401, "no_matching_key", g.sign(rsa1.As("rsa-1", "RS512"), nil, nil))
	add("PS256 naming the key published as RS256", 401, "no_matching_key", g.sign(rsa1.As("rsa-1", "PS256"), nil, nil))
	add("PS256 header over a PKCS#1 v1.5 signature", 401, "bad_signature", as(k.ps, "RS256", 0, `{"alg":"PS256","kid":"ps-1"}`))
	add("RS256 header over a PSS signature", 401, "bad_signature", as(rsa1, "PS256", 0, `{"alg":"RS256","kid":"rsa-1"}`))
	add("RS384 header over a PS384 signature, key without alg", 401, "bad_signature", as(k.rsaAny, "PS384", 0, `{"alg":"RS384","kid":"rsa-any"}`))
	add("PS256 with a salt of 20 bytes", 401, "bad_signature", as(k.ps, "PS256", 20, `{"alg":"PS256","kid":"ps-1"}`))
	add("PS256 with a salt of 64 bytes", 401, "bad_signature", as(k.ps, "PS256", 64, `{"alg":"PS256","kid":"ps-1"}`))
	add("PS384 header over a PS256 signature", 401, "bad_signature", as(k.rsaAny, "PS256", 0, `{"alg":"PS384","kid":"rsa-any"}`))
	add("ES384 naming the P-256 key", 401, "no_matching_key", as(ec1, "ES384", 0, `{"alg":"ES384","kid":"ec-1"}`))
	add("ES256 naming the P-384 key", 401, "no_matching_key", as(k.es384, "ES256", 0, `{"alg":"ES256","kid":"es384-1"}`))
	add("ES384 signed by the P-256 key, no kid", 401, "bad_signature", as(ec1, "ES384", 0, `{"alg":"ES384"}`))
	add("EdDSA naming the EC key", 401, "no_matching_key", as(k.ed, "EdDSA", 0, `{"alg":"EdDSA","kid":"ec-1"}`))
	add("ES256 naming the Ed25519 key", 401, "no_matching_key", as(ec1, "ES256", 0, `{"alg":"ES256","kid":"ed-1"}`))
	add("EdDSA naming an RSA key", 401, "no_matching_key", as(k.ed, "EdDSA", 0, `{"alg":"EdDSA","kid":"rsa-any"}`))
	add("Ed448 is not supported (key skipped)", 401, "unknown_kid", as(k.ed, "EdDSA", 0, `{"alg":"EdDSA","kid":"ed448"}`))
	add("Ed25519 key of small order (skipped)", 401, "unknown_kid", as(k.ed, "EdDSA", 0, `{"alg":"EdDSA","kid":"ed-small-order"}`))
	add("P-521 key with 65-byte x (skipped)", 401, "unknown_kid", as(k.es512, "ES512", 0, `{"alg":"ES512","kid":"p521-short"}`))

	es512 := strings.Split(g.sign(k.es512, nil, nil), ".")
	sig := mustB64(es512[2])
	add("ES512 signature of 131 bytes", 401, "bad_signature", es512[0]+"."+es512[1]+"."+b64(sig[:131]))
	add("ES512 signature of 133 bytes", 401, "bad_signature", es512[0]+"."+es512[1]+"."+b64(append(append([]byte{}, sig...), 0)))
	add("ES512 signature as 2×65 bytes", 401, "bad_signature", es512[0]+"."+es512[1]+"."+b64(append(append([]byte{}, sig[1:66]...), sig[67:]...)))
	ed := strings.Split(g.sign(k.ed, nil, nil), ".")
	edSig := mustB64(ed[2])
	add("EdDSA signature of 63 bytes", 401, "bad_signature", ed[0]+"."+ed[1]+"."+b64(edSig[:63]))
	add("EdDSA signature of 65 bytes", 401, "bad_signature", ed[0]+"."+ed[1]+"."+b64(append(append([]byte{}, edSig...), 0)))
	add("EdDSA signature with S + L (malleated)", 401, "bad_signature", ed[0]+"."+ed[1]+"."+b64(append(append([]byte{}, edSig[:32]...), addL(edSig[32:])...)))
}

// addL returns the little-endian scalar s + L, L = 2^252 + 27742317777372353535851937790883648493
// the order of Ed25519's base point: the same signature in a non-canonical encoding, which
// RFC 8032 §5.1.7 requires a verifier to refuse.
func addL(s []byte) []byte {
	be := make([]byte, 32)
	for i := range s {
		be[31-i] = s[i]
	}
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	sum := new(big.Int).Add(new(big.Int).SetBytes(be), l).FillBytes(make([]byte, 32))
	out := make([]byte, 32)
	for i := range out {
		out[i] = sum[31-i]
	}
	return out
}
