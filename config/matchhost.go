package config

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Request is what rule matching reads of a request: its method, :path (query included or
// not), :authority, and headers as the host gives them (lower-case names, one entry per
// occurrence).
type Request struct {
	Method, Path, Authority string
	Headers                 [][2]string
}

// hostPattern is one entry of match.hosts, lower case: an exact host, or (wildcard) a
// suffix ".example.com" that a host must end with after at least one more character.
type hostPattern struct {
	name     string
	wildcard bool
}

// headerKind is the test of one match.headers entry.
type headerKind uint8

const (
	headerPresent headerKind = iota + 1
	headerExact
	headerPrefix
	headerRegex
)

// headerMatch is one entry of match.headers.
type headerMatch struct {
	name  string // lower case
	kind  headerKind
	value string         // exact value or prefix
	re    *regexp.Regexp // headerRegex: anchored at both ends
}

// maxHostBytes is the longest DNS name (RFC 1035 §2.3.4), which also bounds IP literals.
const maxHostBytes = 253

// hostOf is the host of an :authority, lower-case comparison left to the caller: the port
// is cut (after the ']' of an IPv6 literal, or after the last ':' of a name), and so is one
// trailing dot, since "api.example.com." names the same host as "api.example.com" (RFC 1034
// §3.1) and a rule for one must not be escaped by sending the other.
func hostOf(authority string) string {
	h := authority
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			h = h[:i+1]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	if len(h) > 1 && h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	return h
}

// matchHost reports whether host (from hostOf) matches one of the patterns, ASCII
// case-insensitively (RFC 4343: DNS names compare without case), without allocating.
func matchHost(patterns []hostPattern, host string) bool {
	for _, p := range patterns {
		if !p.wildcard {
			if asciiEqualFoldLower(p.name, host) {
				return true
			}
			continue
		}
		if len(host) > len(p.name) && asciiEqualFoldLower(p.name, host[len(host)-len(p.name):]) {
			return true
		}
	}
	return false
}

// asciiEqualFoldLower compares lower, a lower-case string, with s, folding ASCII letters of
// s only.
func asciiEqualFoldLower(lower, s string) bool {
	if len(lower) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// matchHeaders reports whether every header test holds. A header a value test reads that
// occurs more than once makes the request ambiguous for this rule (ambiguous is true, ok
// false): which occurrence counts would be a choice the upstream may make differently, so the
// filter neither matches nor skips the rule but refuses the request (400). A value is tested
// as one string, commas included: "a,b" is the value "a,b", exactly as a single header with
// that value.
func matchHeaders(tests []headerMatch, headers [][2]string) (ok, ambiguous bool) {
	for i := range tests {
		t := &tests[i]
		value, n := "", 0
		for _, h := range headers {
			if h[0] == t.name {
				value = h[1]
				n++
			}
		}
		switch {
		case n == 0:
			return false, false
		case t.kind == headerPresent:
			continue
		case n > 1:
			return false, true
		}
		var hold bool
		switch t.kind {
		case headerExact:
			hold = value == t.value
		case headerPrefix:
			hold = strings.HasPrefix(value, t.value)
		case headerRegex:
			hold = t.re.MatchString(value)
		}
		if !hold {
			return false, false
		}
	}
	return true, false
}

// hosts reads match.hosts.
func (r *reader) hosts(v gjson.Result, path string) []hostPattern {
	var out []hostPattern
	for i, h := range r.strList(v, path, "hosts", "leave it out to match every host") {
		p := index(join(path, "hosts"), i)
		orig := h
		h = strings.ToLower(h)
		hp := hostPattern{name: h}
		if strings.HasPrefix(h, "*.") {
			hp = hostPattern{name: h[1:], wildcard: true}
			h = h[2:]
		}
		if !validHost(h) || hp.wildcard && h[0] == '[' {
			r.fail(p, `must be a host name ("api.example.com"), "*." and a host name, or an IP address, without a port; got `+strconv.Quote(orig))
			continue
		}
		out = append(out, hp)
	}
	return out
}

// validHost: a DNS name of letters, digits, '-' and '.' without empty labels, an IPv4
// address (the same characters), or a bracketed IPv6 literal; at most 253 bytes.
func validHost(h string) bool {
	if h == "" || len(h) > maxHostBytes {
		return false
	}
	if h[0] == '[' {
		if h[len(h)-1] != ']' || len(h) < 3 {
			return false
		}
		for i := 1; i < len(h)-1; i++ {
			if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.') {
				return false
			}
		}
		return true
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// headerMatchers reads match.headers.
func (r *reader) headerMatchers(v gjson.Result, path string) []headerMatch {
	var out []headerMatch
	r.array(v, path, "headers", "leave it out to match any headers", func(p string, e gjson.Result) {
		if !r.object(e, p, fieldsHeaderMatch) {
			return
		}
		name := strings.ToLower(r.str(e, p, "name", true))
		r.checkHeaderName(name, join(p, "name"))
		hm := headerMatch{name: name}
		var tests []string
		for _, k := range []string{"present", "exact", "prefix", "regex"} {
			if e.Get(k).Exists() {
				tests = append(tests, k)
			}
		}
		if len(tests) != 1 {
			got := "none"
			if len(tests) > 1 {
				got = strings.Join(tests, " and ")
			}
			r.fail(p, "needs exactly one of present, exact, prefix or regex, got "+got)
			return
		}
		switch tests[0] {
		case "present":
			hm.kind = headerPresent
			if e.Get("present").Type != gjson.True {
				r.fail(join(p, "present"), "must be true")
			}
		case "exact", "prefix":
			hm.kind, hm.value = map[string]headerKind{"exact": headerExact, "prefix": headerPrefix}[tests[0]], r.text(e, p, tests[0], true)
		case "regex":
			hm.kind = headerRegex
			pattern := r.str(e, p, "regex", true)
			if len(pattern) > maxRegexBytes {
				r.fail(join(p, "regex"), "is longer than "+strconv.Itoa(maxRegexBytes)+" bytes")
				return
			}
			re, err := compileRegex(pattern)
			if err != nil && pattern != "" {
				r.fail(join(p, "regex"), "does not compile as RE2: "+err.Error())
				return
			}
			hm.re = re
		}
		out = append(out, hm)
	})
	return out
}
