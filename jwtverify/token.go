package jwtverify

import (
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/internal/strictjson"
)

// DefaultMaxTokenBytes is the token size limit when Limits leaves it 0. Access tokens are
// typically 0.5–2 KiB; 8 KiB leaves room for large claim sets while bounding the work an
// unauthenticated client can cause before the signature check.
const DefaultMaxTokenBytes = 8192

// Limits bound the work done on a token before its signature is checked.
type Limits struct {
	MaxTokenBytes int // 0 → DefaultMaxTokenBytes
}

// jws is a parsed compact JWS (RFC 7515 §7.1) whose protected header was validated; its
// payload is opaque bytes. It is the layer the Wycheproof JWS vectors exercise.
type jws struct {
	signingInput string // BASE64URL(header) "." BASE64URL(payload): what was signed
	payload      []byte
	signature    []byte
	alg          string
	kid          string
	hasKid       bool
	typ          string
}

// parseJWS splits and decodes a compact JWS and validates its header: exactly three
// segments, canonical unpadded base64url (RFC 7515 §2: no padding; Strict refuses non-zero
// trailing bits, so one token has one encoding), a header that is a JSON object without
// duplicate members, a string alg, and no crit or b64 other than true (RFC 7515 §4.1.11,
// RFC 7797: we understand no extension, so a token that needs one must be refused).
// jwk, jku, x5u and x5c are ignored: a token never chooses its own key (RFC 8725 §3.10).
func parseJWS(raw string, lim Limits) (*jws, error) {
	max := lim.MaxTokenBytes
	if max <= 0 {
		max = DefaultMaxTokenBytes
	}
	if len(raw) > max {
		return nil, ErrTokenTooLarge
	}
	first := strings.IndexByte(raw, '.')
	if first < 0 {
		return nil, ErrMalformed
	}
	second := strings.IndexByte(raw[first+1:], '.')
	if second < 0 {
		return nil, ErrMalformed
	}
	second += first + 1
	h64, p64, s64 := raw[:first], raw[first+1:second], raw[second+1:]
	if h64 == "" || s64 == "" || strings.IndexByte(s64, '.') >= 0 {
		return nil, ErrMalformed
	}
	header, err := b64url.DecodeString(h64)
	if err != nil {
		return nil, ErrBadBase64
	}
	payload, err := b64url.DecodeString(p64)
	if err != nil {
		return nil, ErrBadBase64
	}
	sig, err := b64url.DecodeString(s64)
	if err != nil {
		return nil, ErrBadBase64
	}
	// RFC 8259 §8.1: JSON is UTF-8. Parsers differ on invalid bytes (replace or reject), so
	// a token that carries some means different things to different readers: refused.
	if !utf8.Valid(header) || strictjson.TooDeep(header) || !gjson.ValidBytes(header) {
		return nil, ErrBadJSON
	}
	h := gjson.ParseBytes(header)
	if !h.IsObject() {
		return nil, ErrBadJSON
	}
	if strictjson.DuplicateMember(h) != "" {
		return nil, ErrDuplicateMember
	}
	t := &jws{signingInput: raw[:second], payload: payload, signature: sig}
	var bad error
	h.ForEach(func(key, v gjson.Result) bool {
		switch key.String() {
		case "alg":
			if v.Type != gjson.String {
				bad = ErrAlgNotAllowed
				return false
			}
			t.alg = v.Str
		case "kid":
			if v.Type != gjson.String {
				bad = ErrBadJSON
				return false
			}
			t.kid, t.hasKid = v.Str, true
		case "typ":
			if v.Type != gjson.String {
				bad = ErrBadJSON
				return false
			}
			t.typ = v.Str
		case "crit":
			bad = ErrUnsupportedHeader
			return false
		case "b64":
			if v.Type != gjson.True {
				bad = ErrUnsupportedHeader
				return false
			}
		}
		return true
	})
	if bad != nil {
		return nil, bad
	}
	if t.alg == "" {
		return nil, ErrAlgNotAllowed
	}
	return t, nil
}

// Token is a parsed JWT (RFC 7519): a JWS whose payload is a JSON object of claims. Parse
// does not verify it; call VerifySignature and ValidateClaims.
type Token struct {
	jws
	claims gjson.Result // the payload object
	// Claims read once at Parse; raw gjson values are kept for type checks.
	iss, aud, exp, nbf, iat gjson.Result
}

// Parse parses a compact JWS JWT. The payload must be a JSON object without duplicate
// member names: a claim that appears twice would mean one thing here and another to a
// parser that keeps the other copy (the upstream, a log pipeline), so any duplicate is
// refused, not only duplicates of registered claims.
func Parse(raw string, lim Limits) (*Token, error) {
	j, err := parseJWS(raw, lim)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(j.payload) || strictjson.TooDeep(j.payload) || !gjson.ValidBytes(j.payload) {
		return nil, ErrBadJSON
	}
	claims := gjson.ParseBytes(j.payload)
	if !claims.IsObject() {
		return nil, ErrBadJSON
	}
	if strictjson.DuplicateMember(claims) != "" {
		return nil, ErrDuplicateMember
	}
	t := &Token{jws: *j, claims: claims}
	claims.ForEach(func(key, v gjson.Result) bool {
		switch key.String() {
		case "iss":
			t.iss = v
		case "aud":
			t.aud = v
		case "exp":
			t.exp = v
		case "nbf":
			t.nbf = v
		case "iat":
			t.iat = v
		}
		return true
	})
	return t, nil
}

// Alg is the header's alg (not yet checked against an allow-list).
func (t *Token) Alg() string { return t.alg }

// Kid is the header's kid, if any.
func (t *Token) Kid() (string, bool) { return t.kid, t.hasKid }

// Typ is the header's typ, if any ("" when absent).
func (t *Token) Typ() string { return t.typ }

// Issuer is the iss claim when it is a string.
func (t *Token) Issuer() (string, bool) {
	if t.iss.Type != gjson.String {
		return "", false
	}
	return t.iss.Str, true
}

// ClaimText returns a top-level claim that is a string, a number (as written in the JSON)
// or a boolean, for copying into a request header. Objects, arrays and null are not text.
// Strings with control characters are refused: they cannot be header values.
func (t *Token) ClaimText(name string) (string, bool) {
	var out string
	ok := false
	t.claims.ForEach(func(key, v gjson.Result) bool {
		if key.String() != name {
			return true
		}
		switch v.Type {
		case gjson.String:
			out, ok = v.Str, !hasControl(v.Str)
		case gjson.Number:
			out, ok = v.Raw, true
		case gjson.True, gjson.False:
			out, ok = v.Raw, true
		}
		return false
	})
	return out, ok
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// Scopes returns the scopes granted by the claims named (in order, duplicates removed):
// a string claim is space-delimited (RFC 8693 §4.2 "scope"); an array claim holds one scope
// per string element ("scp" as Azure AD and Okta send it). Other types grant nothing.
func (t *Token) Scopes(claimNames []string) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		for _, x := range out {
			if x == s {
				return
			}
		}
		out = append(out, s)
	}
	for _, name := range claimNames {
		t.claims.ForEach(func(key, v gjson.Result) bool {
			if key.String() != name {
				return true
			}
			switch {
			case v.Type == gjson.String:
				for _, s := range strings.Fields(v.Str) {
					add(s)
				}
			case v.IsArray():
				v.ForEach(func(_, e gjson.Result) bool {
					if e.Type == gjson.String && !strings.ContainsAny(e.Str, " \t\r\n") {
						add(e.Str)
					}
					return true
				})
			}
			return false
		})
	}
	return out
}
