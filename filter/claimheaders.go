package filter

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// Claim headers (claims_to_headers) carry a verified claim to the upstream. A header value
// must be a field-value (RFC 9110 §5.5): no control characters; jwtguard also bounds its
// length. How each JSON type is rendered:
//
//   - string: as is;
//   - number: its JSON text, as the token wrote it (no float formatting: 1e3 stays 1e3);
//   - true / false: "true" / "false";
//   - array of strings, numbers and booleans: the elements rendered as above, joined with
//     "," (as Envoy jwt_authn's claim_to_headers joins string arrays). An element that holds
//     "," or is an array or object would make the list ambiguous ("admin,x" as one element
//     reads as two), so such an array is refused; an empty array sets no header;
//   - object: its compact JSON text (whitespace outside strings removed);
//   - null, and the empty string: no header.
//
// A value that is refused (control characters, an ambiguous array, or longer than
// maxClaimHeaderBytes) is not sent, and counted in jwtguard.claim_header_refused.provider.<p>.

// maxClaimHeaderBytes bounds one claim header value. Envoy's default limit for all request
// headers together is 60 KiB (max_request_headers_kb); a single identity header longer than
// 4 KiB is a misconfigured claim (e.g. a whole group list) rather than an identity.
const maxClaimHeaderBytes = 4096

// appendClaimHeaders renders a verified token's claims_to_headers and appends them to dst
// as (header, value) pairs, with how many were refused. Values may be views of the token's
// payload: the cache entry copies them (detachEntry), so nothing here allocates for a
// string claim. An ambiguous path (a nested member named twice) has no one value: refused.
func appendClaimHeaders(dst [][2]string, tok *jwtverify.Token, list []config.ClaimHeader) (out [][2]string, refused uint16) {
	for _, ch := range list {
		v, found := tok.Claim(ch.Claim)
		if found == jwtverify.ClaimAbsent {
			continue
		}
		text, ok, bad := "", false, true
		if found == jwtverify.ClaimFound {
			text, ok, bad = renderClaimHeader(v)
		}
		if bad {
			refused++
		}
		if ok {
			dst = append(dst, [2]string{ch.Header, text})
		}
	}
	return dst, refused
}

// renderClaimHeader renders a claim for a header. ok is false when nothing is to be sent;
// refused is true when the value exists but cannot be a header value.
func renderClaimHeader(v gjson.Result) (value string, ok, refused bool) {
	switch {
	case v.Type == gjson.Null:
		return "", false, false
	case v.Type == gjson.String:
		value = v.Str
	case v.Type == gjson.Number:
		value = v.Raw
	case v.Type == gjson.True:
		value = "true"
	case v.Type == gjson.False:
		value = "false"
	case v.IsArray():
		var b strings.Builder
		bad := false
		n := 0
		v.ForEach(func(_, e gjson.Result) bool {
			s, ok, _ := renderClaimHeader(e)
			if !ok || e.IsArray() || e.IsObject() || strings.IndexByte(s, ',') >= 0 {
				bad = true
				return false
			}
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s)
			n++
			return b.Len() <= maxClaimHeaderBytes
		})
		if bad {
			return "", false, true
		}
		if n == 0 {
			return "", false, false
		}
		value = b.String()
	case v.IsObject():
		value = compactJSON(v.Raw)
	default:
		return "", false, false
	}
	if value == "" {
		return "", false, false
	}
	if len(value) > maxClaimHeaderBytes || !isFieldValue(value) {
		return "", false, true
	}
	return value, true, false
}

// isFieldValue reports whether s can be sent as a header value: no control characters (CTL,
// RFC 5234 B.1, horizontal tab included, which proxies fold or trim).
func isFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// compactJSON removes the whitespace outside strings of valid JSON text (RFC 8259 §2:
// insignificant whitespace is space, tab, line feed and carriage return).
func compactJSON(raw string) string {
	b := make([]byte, 0, len(raw))
	inString, escaped := false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		b = append(b, c)
	}
	return string(b)
}
