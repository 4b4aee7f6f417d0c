package config

import (
	"regexp"
	"strings"
)

// MatchKind is how a rule matches the request path.
type MatchKind uint8

const (
	MatchPrefix MatchKind = iota + 1 // the path starts with Value (plain string prefix, as Envoy's route prefix)
	MatchPath                        // the path equals Value
	MatchRegex                       // the RE2 regex Value matches the whole path
)

func (k MatchKind) String() string {
	switch k {
	case MatchPrefix:
		return "prefix"
	case MatchPath:
		return "path"
	case MatchRegex:
		return "regex"
	}
	return ""
}

// Matcher selects requests by path and, optionally, method. It is built by Parse only.
//
// The path it sees is the request's :path up to the first '?' or '#': the query string
// (and a fragment, which clients should not send) is never part of the match. The path is
// compared as received, byte for byte and case-sensitively: it is not percent-decoded nor
// normalized, so "/%61dmin" is not "/admin". Envoy normalizes paths before filters run when
// the HTTP connection manager sets normalize_path and merge_slashes; REFERENCE.md tells
// users to set them, as Envoy's own docs do for jwt_authn and RBAC.
type Matcher struct {
	kind    MatchKind
	value   string         // prefix, exact path, or the pattern as written
	re      *regexp.Regexp // regex kind: the pattern anchored at both ends
	literal string         // regex kind: a literal prefix every match starts with (may be "")
	methods []string       // upper case; empty: any method
	hosts   []hostPattern  // empty: any host
	headers []headerMatch  // all must hold; empty: any headers
}

// Kind is how the rule matches the path.
func (m *Matcher) Kind() MatchKind { return m.kind }

// Value is the prefix, the exact path, or the regex as written in the configuration.
func (m *Matcher) Value() string { return m.value }

// Methods are the methods the rule is limited to, in upper case; empty: any method.
func (m *Matcher) Methods() []string { return m.methods }

// Matches reports whether a request with method and path (query already cut) matches the
// rule's path and methods.
func (m *Matcher) Matches(method, path string) bool {
	if len(m.methods) > 0 && !m.hasMethod(method) {
		return false
	}
	switch m.kind {
	case MatchPrefix:
		return strings.HasPrefix(path, m.value)
	case MatchPath:
		return path == m.value
	case MatchRegex:
		// The literal prefix turns most non-matching rules away without running the
		// regex machine.
		return strings.HasPrefix(path, m.literal) && m.re.MatchString(path)
	}
	return false
}

// narrowed reports whether the rule also tests the host or headers, so it matches fewer
// requests than its path and methods say.
func (m *Matcher) narrowed() bool { return len(m.hosts) > 0 || len(m.headers) > 0 }

// hasMethod compares methods ASCII case-insensitively. RFC 9110 §9.1 makes methods
// case-sensitive, but upstreams differ in whether "post" is POST; matching both ways means
// a rule that protects POST also protects "post", and costs nothing with strict upstreams.
func (m *Matcher) hasMethod(method string) bool {
	for _, x := range m.methods {
		if asciiEqualFold(x, method) {
			return true
		}
	}
	return false
}

// asciiEqualFold compares upper, an upper-case token, with s, folding ASCII letters only
// (strings.EqualFold would also fold the Kelvin sign into K).
func asciiEqualFold(upper, s string) bool {
	if len(upper) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// Match returns the first rule that matches the request, or nil: no rule matches and the
// filter denies the request (403). ambiguous is true (and the rule nil) when a rule whose
// path, method and host fit tests a header the request repeats: the filter answers 400
// rather than guess which occurrence counts. Match does not allocate.
func (c *Config) Match(req *Request) (rule *Rule, ambiguous bool) {
	path := pathOnly(req.Path)
	host, hostKnown := "", false // the host is cut out of :authority once, when a rule needs it
	for i := range c.Rules {
		m := &c.Rules[i].Match
		if !m.Matches(req.Method, path) {
			continue
		}
		if len(m.hosts) > 0 {
			if !hostKnown {
				host, hostKnown = hostOf(req.Authority), true
			}
			if !matchHost(m.hosts, host) {
				continue
			}
		}
		if len(m.headers) > 0 {
			ok, amb := matchHeaders(m.headers, req.Headers)
			if amb {
				return nil, true
			}
			if !ok {
				continue
			}
		}
		return &c.Rules[i], false
	}
	return nil, false
}

// pathOnly cuts the query string and fragment off a :path (RFC 3986 §3.3: the path ends at
// the first '?' or '#').
func pathOnly(p string) string {
	for i := 0; i < len(p); i++ {
		if p[i] == '?' || p[i] == '#' {
			return p[:i]
		}
	}
	return p
}

// compileRegex anchors pattern at both ends, so it must match the whole path (as Envoy's
// safe_regex route match does), whether or not the user wrote ^ and $. The pattern must
// compile on its own first: otherwise "a)|(b" would close the anchoring group and leave
// alternatives unanchored. A leading ^ of the user's is dropped when the rest compiles too:
// under the outer anchor it means nothing, and without it the regexp package finds the
// pattern's literal prefix.
func compileRegex(pattern string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, err
	}
	if strings.HasPrefix(pattern, "^") {
		if _, err := regexp.Compile(pattern[1:]); err == nil {
			return regexp.Compile(`^(?:` + pattern[1:] + `)$`)
		}
	}
	return regexp.Compile(`^(?:` + pattern + `)$`)
}
