package filter

import (
	"strings"
)

// tokenSource is one place a token may be: a header (with an optional scheme prefix such as
// "Bearer "), a query parameter, or a cookie. Sources are deduplicated across providers: two
// providers reading "authorization" with "Bearer " read one place.
type tokenSource struct {
	header      string // lower-case header name, or "" for a query parameter or a cookie
	valuePrefix string // matched case-insensitively (RFC 7235 §2.1: auth-scheme is case-insensitive)
	// scheme is valuePrefix without its trailing spaces (headerSource), derived once from
	// the configuration rather than on every request.
	scheme string
	param  string
	cookie string // cookie name, case-sensitive (see cookies.go)
}

// headerSource is the source reading header name, its value prefixed with prefix ("Bearer ").
func headerSource(name, prefix string) tokenSource {
	return tokenSource{header: name, valuePrefix: prefix, scheme: strings.TrimRight(prefix, " ")}
}

// foundToken is the token of a request and where it was, so that it can be removed before
// the request goes upstream.
type foundToken struct {
	value  string
	source tokenSource
	// ref is where value was found in the token cache when extraction looked it up (header
	// sources); zero otherwise.
	ref cacheRef
}

// extractToken finds the request's single token among sources. It returns no token and no
// reason when there is none (→ 401 without error attribute), and a 400 reason when the
// request is ambiguous: RFC 6750 §2 forbids more than one method, and a repeated or
// comma-joined Authorization header is either a proxy joining duplicates (docs/host.md#header-maps) or an
// attempt to make the filter and the upstream read different tokens. cache, if not nil, is
// the cache of verified tokens: a header value it holds needs no syntax check (see
// tokenFromHeaderValue).
func extractToken(headers [][2]string, path string, sources []tokenSource, cache *tokenCache) (foundToken, *reason) {
	var found foundToken
	count := 0
	for _, src := range sources {
		if src.header != "" {
			for _, h := range headers {
				if h[0] != src.header {
					continue
				}
				value, present, check := tokenFromHeaderValue(h[1], &src, cache)
				if check.malformed {
					return foundToken{}, &reasonMalformedAuthorization
				}
				if present {
					count++
					found = foundToken{value: value, source: src, ref: check.ref}
				}
			}
			continue
		}
		if src.cookie != "" {
			// The same cookie twice, in one Cookie header or across several, is two tokens.
			for _, h := range headers {
				if h[0] != cookieHeader {
					continue
				}
				values, bad := cookieValues(h[1], src.cookie)
				if bad {
					return foundToken{}, &reasonMalformedCookie
				}
				for _, v := range values {
					count++
					found = foundToken{value: v, source: src}
				}
			}
			continue
		}
		values, bad := queryValues(path, src.param)
		if bad {
			return foundToken{}, &reasonMalformedAuthorization
		}
		for _, v := range values {
			count++
			found = foundToken{value: v, source: src}
		}
	}
	if count > 1 {
		return foundToken{}, &reasonMultipleTokens
	}
	return found, nil
}

// headerCheck is how tokenFromHeaderValue judged a value: malformed, or where the cache
// holds it (its lookup, reused by the request path).
type headerCheck struct {
	malformed bool
	ref       cacheRef
}

// tokenFromHeaderValue applies a value prefix. A value without the prefix is another
// scheme (e.g. Basic) and carries no bearer token; a value with it must hold exactly one
// token68 (RFC 7235 §2.1, RFC 6750 §2.1): at least one space may separate it from the
// scheme, and nothing else may follow.
//
// A value the cache holds is a token that verified, so three segments of unpadded base64url
// joined by dots (jwtverify.Parse refuses anything else before a token can be cached): a
// token68. The syntax check, a byte loop over the whole token that in wasm cost a cached
// request as much as its cache lookup (issue 19), is made only for values the cache does not
// hold; the verdict is the same.
func tokenFromHeaderValue(value string, src *tokenSource, cache *tokenCache) (token string, present bool, check headerCheck) {
	if src.valuePrefix != "" {
		// An exact comparison before the case-insensitive one: clients send the scheme as
		// configured, and in wasm strings.EqualFold costs a cached request more than it
		// (issue 19).
		n := len(src.scheme)
		if len(value) < n || value[:n] != src.scheme && !strings.EqualFold(value[:n], src.scheme) {
			return "", false, headerCheck{}
		}
		rest := value[n:]
		if n != len(src.valuePrefix) {
			// The prefix ends in a space: "Bearer" followed by anything but space is another
			// scheme name ("BearerX"), not a malformed bearer credential.
			if rest != "" && rest[0] != ' ' {
				return "", false, headerCheck{}
			}
			for len(rest) > 0 && rest[0] == ' ' {
				rest = rest[1:]
			}
		}
		value = rest
	}
	if value == "" {
		return "", true, headerCheck{malformed: true}
	}
	var ref cacheRef
	if cache != nil {
		if ref = cache.ref(value); cache.holds(ref) {
			return value, true, headerCheck{ref: ref}
		}
	}
	if !isToken68(value) {
		return "", true, headerCheck{malformed: true}
	}
	return value, true, headerCheck{ref: ref}
}

// isToken68 reports whether s is a token68 (RFC 7235 §2.1), the syntax of a bearer token:
// ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then optional "=" padding. Every new
// token goes through it (~800 bytes): the table is read eight bytes per loop iteration,
// because in wasm each iteration also pays the loop's dispatch (issue 19).
func isToken68(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8]
		if token68Char[b[0]]&token68Char[b[1]]&token68Char[b[2]]&token68Char[b[3]]&
			token68Char[b[4]]&token68Char[b[5]]&token68Char[b[6]]&token68Char[b[7]] == 0 {
			break
		}
	}
	for ; i < len(s) && token68Char[s[i]] == 1; i++ {
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// token68Char is 1 for the characters of a token68 before its padding, else 0.
var token68Char = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", byte(c)) >= 0 {
			t[c] = 1
		}
	}
	return t
}()

// queryValues returns every value of parameter name in the query of path. A value that
// does not decode, or that is empty or not a token68, is malformed.
func queryValues(path, name string) (values []string, malformed bool) {
	q := strings.IndexByte(path, '?')
	if q < 0 {
		return nil, false
	}
	query := path[q+1:]
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query = query[:h]
	}
	for query != "" {
		var part string
		part, query, _ = strings.Cut(query, "&")
		key, value, _ := strings.Cut(part, "=")
		if key != name {
			continue
		}
		if strings.IndexByte(value, '%') >= 0 {
			decoded, ok := percentDecode(value)
			if !ok {
				return nil, true
			}
			value = decoded
		}
		if value == "" || !isToken68(value) {
			return nil, true
		}
		values = append(values, value)
	}
	return values, false
}

// pathWithoutParam removes every occurrence of parameter name from the query of path, so
// that a token sent as ?access_token=… does not reach the upstream when forward is false.
func pathWithoutParam(path, name string) string {
	q := strings.IndexByte(path, '?')
	if q < 0 {
		return path
	}
	kept := make([]string, 0, 4)
	for _, part := range strings.Split(path[q+1:], "&") {
		if key, _, _ := strings.Cut(part, "="); key != name {
			kept = append(kept, part)
		}
	}
	if len(kept) == 0 {
		return path[:q]
	}
	return path[:q+1] + strings.Join(kept, "&")
}

// percentDecode undoes the percent-encoding of a query value (RFC 3986 §2.1; '+' is a
// space in form encoding, which a token68 cannot contain anyway). net/url would do, but it
// pulls net/netip into the .wasm for this one call.
func percentDecode(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			if i+2 >= len(s) {
				return "", false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			b = append(b, hi<<4|lo)
			i += 2
		case '+':
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
