package jwtverify

import (
	"strings"

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
	var t Token
	if _, err := t.parseJWS(raw, lim); err != nil {
		return nil, err
	}
	return &t.jws, nil
}

// parseJWS fills t's JWS part and returns the payload's JSON text (a copy, which the
// claims read from it are views of); t's member buffer serves the header's members.
func (t *Token) parseJWS(raw string, lim Limits) (payloadJSON string, err error) {
	max := lim.MaxTokenBytes
	if max <= 0 {
		max = DefaultMaxTokenBytes
	}
	if len(raw) > max {
		return "", ErrTokenTooLarge
	}
	first := strings.IndexByte(raw, '.')
	if first < 0 {
		return "", ErrMalformed
	}
	second := strings.IndexByte(raw[first+1:], '.')
	if second < 0 {
		return "", ErrMalformed
	}
	second += first + 1
	h64, p64, s64 := raw[:first], raw[first+1:second], raw[second+1:]
	if h64 == "" || s64 == "" || strings.IndexByte(s64, '.') >= 0 {
		return "", ErrMalformed
	}
	header, payload, sig, err := t.decodeSegments(len(raw), h64, p64, s64)
	if err != nil {
		return "", err
	}
	// One copy of the header and payload (adjacent in t.buf) serves both: the members read
	// from them are views of it, which outlive t.buf's reuse.
	text := string(t.buf[:len(header)+len(payload)])
	members, err := jsonMembers(t.memberBuf[:0], text[:len(header)])
	if err != nil {
		return "", err
	}
	t.jws = jws{signingInput: raw[:second], payload: payload, signature: sig}
	for _, m := range members {
		v := m.Value
		switch m.Name {
		case "alg":
			if v.Type != gjson.String {
				return "", ErrAlgNotAllowed
			}
			t.alg = v.Str
		case "kid":
			if v.Type != gjson.String {
				return "", ErrBadJSON
			}
			t.kid, t.hasKid = v.Str, true
		case "typ":
			if v.Type != gjson.String {
				return "", ErrBadJSON
			}
			t.typ = v.Str
		case "crit":
			return "", ErrUnsupportedHeader
		case "b64":
			if v.Type != gjson.True {
				return "", ErrUnsupportedHeader
			}
		}
	}
	if t.alg == "" {
		return "", ErrAlgNotAllowed
	}
	return text[len(header):], nil
}

// decodeSegments decodes the three segments of a token of n bytes into one buffer (n·3/4
// bytes hold them, so it never grows and they lie adjacent from t.buf[0], in order: parseJWS
// copies the header and payload out as one string), which ParseInto reuses.
func (t *Token) decodeSegments(n int, h64, p64, s64 string) (header, payload, sig []byte, err error) {
	buf := t.buf[:0]
	if cap(buf) < n/4*3+3 {
		buf = make([]byte, 0, n/4*3+3)
	}
	t.buf = buf
	if header, err = appendBase64URL(buf, h64); err != nil {
		return nil, nil, nil, ErrBadBase64
	}
	if payload, err = appendBase64URL(header[len(header):], p64); err != nil {
		return nil, nil, nil, ErrBadBase64
	}
	if sig, err = appendBase64URL(payload[len(payload):], s64); err != nil {
		return nil, nil, nil, ErrBadBase64
	}
	return header[:len(header):len(header)], payload[:len(payload):len(payload)], sig, nil
}

// jsonMembers appends the members of doc, which must be a JSON object that jwtguard will
// read (strictjson's rules: a token whose JSON one parser would read differently from
// another is refused), to dst.
func jsonMembers(dst []strictjson.Member, doc string) ([]strictjson.Member, error) {
	members, _, dup, ok := strictjson.Object(dst, doc)
	switch {
	case !ok:
		return nil, ErrBadJSON
	case dup:
		return nil, ErrDuplicateMember
	}
	return members, nil
}

// Token is a parsed JWT (RFC 7519): a JWS whose payload is a JSON object of claims. Parse
// does not verify it; call VerifySignature and ValidateClaims.
type Token struct {
	jws
	// claims are the payload's members, read in one walk at Parse: every later read of a
	// claim is a scan of this slice, not of the JSON.
	claims []strictjson.Member
	// Registered claims, kept as raw gjson values for their type checks.
	iss, aud, exp, nbf, iat, sub gjson.Result
	// memberBuf holds the header's members during parseJWS, then the claims of a typical
	// token (up to 16 members) without another allocation.
	memberBuf [16]strictjson.Member
	// buf holds the decoded segments (header, payload and signature are views of it); it is
	// the one field ParseInto keeps.
	buf []byte
}

// Parse parses a compact JWS JWT. The payload must be a JSON object without duplicate
// member names: a claim that appears twice would mean one thing here and another to a
// parser that keeps the other copy (the upstream, a log pipeline), so any duplicate is
// refused, not only duplicates of registered claims.
func Parse(raw string, lim Limits) (*Token, error) {
	t := new(Token)
	if err := t.parse(raw, lim); err != nil {
		return nil, err
	}
	return t, nil
}

// ParseInto is Parse into t, which it overwrites: for a caller that parses one token at a
// time, such as a proxy worker, and would otherwise allocate a Token and a buffer for its
// decoded segments per token. A Token is ~2 KiB of pointers (most of it memberBuf); in wasm
// that allocation, and the garbage collection it brings, cost a new token more than parsing
// its header (issue 19). Values read from t before stay valid: they are views of the JSON
// text gjson copied, never of t. After an error t holds nothing usable.
func ParseInto(t *Token, raw string, lim Limits) error {
	*t = Token{buf: t.buf}
	return t.parse(raw, lim)
}

// parse fills the zero Token t.
func (t *Token) parse(raw string, lim Limits) error {
	payloadJSON, err := t.parseJWS(raw, lim)
	if err != nil {
		return err
	}
	members, err := jsonMembers(t.memberBuf[:0], payloadJSON)
	if err != nil {
		return err
	}
	t.claims = members
	for _, m := range members {
		switch m.Name {
		case "iss":
			t.iss = m.Value
		case "aud":
			t.aud = m.Value
		case "exp":
			t.exp = m.Value
		case "nbf":
			t.nbf = m.Value
		case "iat":
			t.iat = m.Value
		case "sub":
			t.sub = m.Value
		}
	}
	return nil
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

// Scopes returns the scopes granted by the claims at paths (in order, duplicates removed):
// a string claim is space-delimited (RFC 8693 §4.2 "scope"); an array claim holds one scope
// per string element ("scp" as Azure AD and Okta send it, Keycloak's realm_access.roles).
// Other types, and ambiguous paths, grant nothing.
func (t *Token) Scopes(paths []ClaimPath) []string { return t.AppendScopes(nil, paths) }

// AppendScopes is Scopes appending to dst: a caller that copies the scopes out anyway (a
// cache entry) passes a stack array and the token's scopes cost no allocation.
func (t *Token) AppendScopes(dst []string, paths []ClaimPath) []string {
	start := len(dst)
	for _, p := range paths {
		v, found := t.Claim(p)
		if found != ClaimFound {
			continue
		}
		switch {
		case v.Type == gjson.String:
			for s := range strings.FieldsSeq(v.Str) {
				dst = appendScope(dst, start, s)
			}
		case v.IsArray():
			v.ForEach(func(_, e gjson.Result) bool {
				if e.Type == gjson.String && !strings.ContainsAny(e.Str, " \t\r\n") {
					dst = appendScope(dst, start, e.Str)
				}
				return true
			})
		}
	}
	return dst
}

// appendScope appends s to dst unless it is empty or already in dst[start:].
func appendScope(dst []string, start int, s string) []string {
	if s == "" {
		return dst
	}
	for _, x := range dst[start:] {
		if x == s {
			return dst
		}
	}
	return append(dst, s)
}
