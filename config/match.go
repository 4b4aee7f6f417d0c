package config

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Matcher selects requests by path (without the query string) and, optionally, method.
type Matcher struct {
	kind    matchKind
	value   string         // prefix or exact path
	re      *regexp.Regexp // regex kind: the pattern anchored at both ends
	methods []string       // upper case; empty: any method
}

type matchKind uint8

const (
	matchPrefix matchKind = iota + 1
	matchPath
	matchRegex
)

// maxRegexBytes bounds a pattern; RE2 matching is linear in the input, and a bound on the
// program keeps the per-request cost bounded too.
const maxRegexBytes = 1024

// Matches reports whether a request with method and path (query excluded) matches.
func (m *Matcher) Matches(method, path string) bool {
	if len(m.methods) > 0 {
		ok := false
		for _, x := range m.methods {
			if x == method {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	switch m.kind {
	case matchPrefix:
		return strings.HasPrefix(path, m.value)
	case matchPath:
		return path == m.value
	case matchRegex:
		return m.re.MatchString(path)
	}
	return false
}

// Match returns the first rule that matches the request, or nil (the filter denies). path
// is the request's :path; its query string and fragment are not part of the match.
func (c *Config) Match(method, path string) *Rule {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for i := range c.Rules {
		if c.Rules[i].Match.Matches(method, path) {
			return &c.Rules[i]
		}
	}
	return nil
}

func (r *reader) rules(v gjson.Result, providers []*Provider) []Rule {
	if !v.Exists() {
		r.fail("rules", "is required: a request that matches no rule is denied, so list the routes")
		return nil
	}
	if !v.IsArray() {
		r.fail("rules", "must be an array, got "+typeName(v))
		return nil
	}
	byName := map[string]*Provider{}
	for _, p := range providers {
		byName[p.Name] = p
	}
	var out []Rule
	for i, rv := range v.Array() {
		path := index("rules", i)
		if !r.object(rv, path, "match", "require") {
			continue
		}
		rule := Rule{Match: r.matcher(member(rv, "match"), join(path, "match"))}
		if req := member(rv, "require"); req.Exists() {
			rule.Require = r.requirement(req, join(path, "require"), byName)
		}
		out = append(out, rule)
	}
	if len(v.Array()) == 0 {
		r.fail("rules", "must list at least one rule: with none, every request is denied")
	}
	return out
}

func (r *reader) matcher(v gjson.Result, path string) Matcher {
	var m Matcher
	if !v.Exists() {
		r.fail(path, "is required")
		return m
	}
	if !r.object(v, path, "prefix", "path", "regex", "methods") {
		return m
	}
	set := 0
	for _, k := range []string{"prefix", "path", "regex"} {
		if member(v, k).Exists() {
			set++
		}
	}
	if set != 1 {
		r.fail(path, "needs exactly one of prefix, path or regex")
		return m
	}
	switch {
	case member(v, "prefix").Exists():
		m.kind, m.value = matchPrefix, r.str(v, path, "prefix", true)
		r.checkPathValue(m.value, join(path, "prefix"))
	case member(v, "path").Exists():
		m.kind, m.value = matchPath, r.str(v, path, "path", true)
		r.checkPathValue(m.value, join(path, "path"))
	default:
		pattern := r.str(v, path, "regex", true)
		if len(pattern) > maxRegexBytes {
			r.fail(join(path, "regex"), "is longer than 1024 bytes")
			break
		}
		// The regex must match the whole path (Envoy's safe_regex semantics), so it is
		// anchored at both ends whatever the user wrote.
		re, err := regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil {
			r.fail(join(path, "regex"), "does not compile as RE2: "+err.Error())
			break
		}
		m.kind, m.value, m.re = matchRegex, pattern, re
	}
	for _, meth := range r.strList(v, path, "methods", false) {
		m.methods = append(m.methods, strings.ToUpper(meth))
	}
	if mv := member(v, "methods"); mv.Exists() && len(mv.Array()) == 0 {
		r.fail(join(path, "methods"), "must not be empty (leave it out to match every method)")
	}
	return m
}

func (r *reader) checkPathValue(value, path string) {
	if value != "" && value[0] != '/' {
		r.fail(path, `must start with "/"`)
	}
	if strings.ContainsAny(value, "?#") {
		r.fail(path, "must not contain a query or fragment: matching ignores them")
	}
}

// requirement: an empty "require": {} asks for a valid token from any provider.
func (r *reader) requirement(v gjson.Result, path string, byName map[string]*Provider) *Requirement {
	if !r.object(v, path, "providers", "scopes", "any_scopes") {
		return &Requirement{}
	}
	req := &Requirement{
		Scopes:    r.strList(v, path, "scopes", false),
		AnyScopes: r.strList(v, path, "any_scopes", false),
	}
	for i, name := range r.strList(v, path, "providers", false) {
		p, ok := byName[name]
		if !ok {
			r.fail(index(join(path, "providers"), i), "names no provider: "+name)
			continue
		}
		req.Providers = append(req.Providers, p)
	}
	for _, list := range []string{"providers", "scopes", "any_scopes"} {
		if lv := member(v, list); lv.Exists() && lv.IsArray() && len(lv.Array()) == 0 {
			r.fail(join(path, list), "must not be empty (leave it out instead)")
		}
	}
	for i, s := range append(append([]string{}, req.Scopes...), req.AnyScopes...) {
		if strings.ContainsAny(s, " \"\\") || hasControl(s) {
			r.fail(path, "scope "+strconv.Quote(s)+" at position "+strconv.Itoa(i)+" contains a space, quote or control character")
		}
	}
	return req
}
