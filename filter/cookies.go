package filter

import (
	"strings"

	"github.com/jwtguard/jwtguard/internal/abi"
)

// Cookies as token sources (from_cookies, as Envoy jwt_authn's from_cookies and Istio's
// fromCookies). A request's cookies arrive in one or more Cookie headers (HTTP/2 and HTTP/3
// clients may split them, RFC 9113 §8.2.3), each a list of name=value pairs separated by
// "; " (RFC 6265 §5.4 step 4). A value may be wrapped in double quotes (RFC 6265 §4.1.1
// cookie-value); the quotes are not part of the token.
//
// Parsing is lenient about whitespace around pairs (user agents and proxies differ) and
// strict about what matters here: the name is compared case-sensitively and exactly, and a
// pair carrying a token must hold exactly one token68.

// cookieHeader is the lower-case name of the request header that carries cookies.
const cookieHeader = "cookie"

// cookieValues returns the values of every cookie called name in one Cookie header value,
// in order. An empty value is no token (a logged-out browser keeps sending "name="); a value
// that is not a single token68, quoted or not, is malformed.
func cookieValues(header, name string) (values []string, malformed bool) {
	for rest := header; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, ";")
		n, v, ok := strings.Cut(pair, "=")
		if !ok || trimOWS(n) != name {
			continue
		}
		v = trimOWS(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if v == "" {
			continue
		}
		if !isToken68(v) {
			return nil, true
		}
		values = append(values, v)
	}
	return values, false
}

// withoutCookie returns header with every pair named name removed, and whether any was. The
// other pairs are kept byte for byte, separators included: only the removed pair and the
// separator that joined it to its neighbour go (RFC 6265 §5.4 joins pairs with "; ").
func withoutCookie(header, name string) (string, bool) {
	var b strings.Builder
	removed, first := false, true
	for rest := header; ; {
		pair, tail, more := strings.Cut(rest, ";")
		if n, _, ok := strings.Cut(pair, "="); ok && trimOWS(n) == name {
			removed = true
		} else {
			if first {
				// The first kept pair starts the header: drop the space that separated it
				// from a removed predecessor.
				pair = strings.TrimLeft(pair, " \t")
			} else {
				b.WriteByte(';')
			}
			b.WriteString(pair)
			first = false
		}
		if !more {
			break
		}
		rest = tail
	}
	if !removed {
		return header, false
	}
	return b.String(), true
}

// trimOWS trims spaces and horizontal tabs (RFC 9110 §5.6.3 OWS).
func trimOWS(s string) string { return strings.Trim(s, " \t") }

// removeCookie takes the token cookie out of the request before it goes upstream, leaving
// every other cookie pair as the client sent it. proxy-wasm can only replace, remove or add
// a header by name, and adding a header that exists may append to it with a comma (Envoy's
// addCopy does for its inline headers), which would corrupt cookies. So a lone Cookie
// header is replaced (or removed when nothing is left), and several are all removed and
// their rewritten values sent as one header joined with "; ", as RFC 9113 §8.2.3 joins
// cookie crumbs. Remove is called once per Cookie header: Envoy removes every value of the
// name at the first call (the later ones are no-ops), some hosts one value per call.
func removeCookie(name string) {
	headers, err := abi.GetHttpRequestHeaders()
	if err != nil {
		return
	}
	var values []string
	changed, count := false, 0
	for _, h := range headers {
		if h[0] != cookieHeader {
			continue
		}
		count++
		v, removed := withoutCookie(h[1], name)
		changed = changed || removed
		if trimOWS(v) != "" {
			values = append(values, v)
		}
	}
	switch {
	case !changed:
	case count == 1 && len(values) == 1:
		_ = abi.ReplaceHttpRequestHeader(cookieHeader, values[0])
	default:
		for range count {
			_ = abi.RemoveHttpRequestHeader(cookieHeader)
		}
		if len(values) > 0 {
			_ = abi.AddHttpRequestHeader(cookieHeader, strings.Join(values, "; "))
		}
	}
}
