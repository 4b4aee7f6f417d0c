package filter

import (
	"strconv"
	"strings"
)

// httpURL is an absolute http or https URL split into what a dispatched call sends: the
// authority (":authority") and the path with its query (":path").
type httpURL struct {
	authority string
	path      string // "/" when the URL has an empty path (RFC 3986 §6.2.3)
}

// parseHTTPURL accepts exactly scheme "://" authority path-abempty ["?" query] of RFC 3986
// §3 with an http or https scheme (any case, §3.1), a non-empty host, an optional numeric
// port, no userinfo (§3.2.1: credentials do not belong in a discovery document) and no
// fragment, and every character of the grammar or a well-formed percent-encoding. It is
// stricter than net/url, which the module does not link for this one call (it brings
// net/netip; docs/performance.md, module size): a jwks_uri it refuses keeps the keys in use.
func parseHTTPURL(s string) (httpURL, bool) {
	rest, ok := cutSchemePrefix(s)
	if !ok {
		return httpURL{}, false
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, path := rest[:end], rest[end:]
	if !validAuthority(authority) || strings.IndexByte(path, '#') >= 0 {
		return httpURL{}, false
	}
	pathPart, query, hasQuery := strings.Cut(path, "?")
	if !validURIChars(pathPart, ":@/") || (hasQuery && !validURIChars(query, ":@/?")) {
		return httpURL{}, false
	}
	if pathPart == "" {
		path = "/" + path
	}
	return httpURL{authority: authority, path: path}, true
}

func cutSchemePrefix(s string) (string, bool) {
	for _, scheme := range []string{"https://", "http://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return s[len(scheme):], true
		}
	}
	return "", false
}

// validAuthority: host [":" port] (§3.2.2, §3.2.3) with a non-empty host that is a reg-name
// or an IP-literal in brackets, and a port of digits when there is a colon.
func validAuthority(a string) bool {
	host, port := a, ""
	if i := strings.LastIndexByte(a, ':'); i >= 0 && !strings.Contains(a[i:], "]") {
		host, port = a[:i], a[i+1:]
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return false
		}
	}
	if strings.HasPrefix(host, "[") {
		inner, ok := strings.CutSuffix(host[1:], "]")
		return ok && validIPv6(inner)
	}
	// A reg-name without percent-encodings: a host name is sent as it is written.
	return host != "" && !strings.Contains(host, "%") && validURIChars(host, "")
}

// validIPv6 checks the IPv6address of RFC 3986 §3.2.2: eight groups of one to four hex
// digits, or fewer with one "::" standing for the missing ones, the last two groups
// possibly written as a dotted IPv4 address. IPvFuture and zone identifiers are refused.
func validIPv6(s string) bool {
	groups, elided := 0, false
	if strings.HasPrefix(s, "::") {
		s, elided = s[2:], true
	}
	for s != "" {
		field, rest, more := strings.Cut(s, ":")
		if !more && strings.Contains(field, ".") {
			if !validIPv4(field) {
				return false
			}
			groups += 2
			break
		}
		if field == "" || len(field) > 4 || strings.Trim(field, "0123456789abcdefABCDEF") != "" {
			return false
		}
		groups++
		s = rest
		if strings.HasPrefix(s, ":") {
			if elided {
				return false
			}
			s, elided = s[1:], true
		} else if more && s == "" {
			return false
		}
	}
	return groups == 8 && !elided || groups < 8 && elided
}

func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n > 255 || len(p) > 3 || p[0] == '+' || p[0] == '-' || (len(p) > 1 && p[0] == '0') {
			return false
		}
	}
	return true
}

// validURIChars reports whether s holds only unreserved characters, sub-delims,
// percent-encodings with two hex digits (RFC 3986 §2: a reg-name of §3.2.2) and the bytes of
// extra (":@/" makes pchar and "/" of §3.3, ":@/?" a query of §3.4).
func validURIChars(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=", c) >= 0:
		case strings.IndexByte(extra, c) >= 0:
		case c == '%':
			if i+2 >= len(s) {
				return false
			}
			if _, ok := unhex(s[i+1]); !ok {
				return false
			}
			if _, ok := unhex(s[i+2]); !ok {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}
