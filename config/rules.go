package config

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// maxRegexBytes bounds a pattern. RE2 matching is linear in the path, and a bound on the
// program keeps the per-request cost bounded too.
const maxRegexBytes = 1024

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
	var at []int // out[k] came from rules[at[k]]
	i := 0
	v.ForEach(func(_, rv gjson.Result) bool {
		path := index("rules", i)
		i++
		if !r.object(rv, path, fieldsRule) {
			return true
		}
		rule := Rule{Match: r.matcher(rv.Get("match"), join(path, "match"))}
		if req := rv.Get("require"); req.Exists() {
			rule.Require = r.requirement(req, join(path, "require"), byName)
		}
		out = append(out, rule)
		at = append(at, i-1)
		return true
	})
	if i == 0 {
		r.fail("rules", "must list at least one rule: with none, every request is denied")
	}
	r.unreachable(out, at)
	return out
}

func (r *reader) matcher(v gjson.Result, path string) Matcher {
	var m Matcher
	if !v.Exists() {
		r.fail(path, "is required")
		return m
	}
	if !r.object(v, path, fieldsMatch) {
		return m
	}
	var kinds []string
	for _, k := range []string{"prefix", "path", "regex"} {
		if v.Get(k).Exists() {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		got := "none"
		if len(kinds) > 1 {
			got = strings.Join(kinds, " and ")
		}
		r.fail(path, "needs exactly one of prefix, path or regex, got "+got)
		return m
	}
	switch kinds[0] {
	case "prefix":
		m.kind, m.value = MatchPrefix, r.str(v, path, "prefix", true)
		r.checkPathValue(m.value, join(path, "prefix"))
	case "path":
		m.kind, m.value = MatchPath, r.str(v, path, "path", true)
		r.checkPathValue(m.value, join(path, "path"))
	case "regex":
		pattern := r.str(v, path, "regex", true)
		rp := join(path, "regex")
		if pattern == "" {
			break
		}
		if len(pattern) > maxRegexBytes {
			r.fail(rp, "is longer than "+strconv.Itoa(maxRegexBytes)+" bytes")
			break
		}
		re, err := compileRegex(pattern)
		if err != nil {
			r.fail(rp, "does not compile as RE2: "+err.Error())
			break
		}
		m.kind, m.value, m.re = MatchRegex, pattern, re
		m.literal, _ = re.LiteralPrefix()
	}
	m.hosts = r.hosts(v, path)
	m.headers = r.headerMatchers(v, path)
	for i, meth := range r.strList(v, path, "methods", "leave it out to match every method") {
		if !isToken(meth) {
			r.fail(index(join(path, "methods"), i), "is not an HTTP method name: "+strconv.Quote(meth))
			continue
		}
		m.methods = append(m.methods, strings.ToUpper(meth))
	}
	return m
}

func (r *reader) checkPathValue(value, path string) {
	if value == "" {
		return
	}
	if value[0] != '/' {
		r.fail(path, `must start with "/", got `+strconv.Quote(value))
	}
	if strings.ContainsAny(value, "?#") {
		r.fail(path, "must not contain '?' or '#': the query string and fragment are not part of the match")
	}
	if strings.ContainsRune(value, ' ') || hasControl(value) {
		r.fail(path, "must not contain spaces or control characters")
	}
}

// requirement: an empty "require": {} asks for a valid token from any provider.
func (r *reader) requirement(v gjson.Result, path string, byName map[string]*Provider) *Requirement {
	if !r.object(v, path, fieldsRequire) {
		return &Requirement{}
	}
	req := &Requirement{
		Scopes:    r.scopeList(v, path, "scopes"),
		AnyScopes: r.scopeList(v, path, "any_scopes"),
		Claims:    r.conditionList(v, path, "claims"),
		AnyClaims: r.conditionList(v, path, "any_claims"),
	}
	req.Token = r.tokenMode(v, path, req)
	for i, name := range r.strList(v, path, "providers", "leave it out to accept the provider named by the token's iss") {
		p, ok := byName[name]
		if !ok {
			r.fail(index(join(path, "providers"), i), "names no provider: "+strconv.Quote(name))
			continue
		}
		req.Providers = append(req.Providers, p)
	}
	return req
}

// tokenMode reads require.token. An optional token cannot be asked for scopes or claims: a
// client that lacks them would drop its token and pass, so such a rule protects nothing.
func (r *reader) tokenMode(v gjson.Result, path string, req *Requirement) TokenMode {
	tv := v.Get("token")
	if !tv.Exists() {
		return TokenRequired
	}
	tp := join(path, "token")
	mode := -1
	for i, m := range tokenModes {
		if tv.Type == gjson.String && tv.Str == m {
			mode = i
		}
	}
	if mode < 0 {
		r.fail(tp, `must be "required", "allow_missing" or "allow_missing_or_failed", got `+strconv.Quote(tv.String()))
		return TokenRequired
	}
	if mode != int(TokenRequired) && (len(req.Scopes)+len(req.AnyScopes)+len(req.Claims)+len(req.AnyClaims) > 0) {
		r.fail(tp, "is "+strconv.Quote(tv.Str)+": a request without a token passes, so scopes and claim conditions would protect nothing; "+
			"require the token, or put the protected requests in a rule of their own")
	}
	return TokenMode(mode)
}

// scopeList reads scopes. Each must be an RFC 6749 §3.3 scope-token (printable ASCII
// without space, '"' and '\'): scopes are space-delimited in tokens and quoted in the
// WWW-Authenticate scope attribute (RFC 6750 §3).
func (r *reader) scopeList(v gjson.Result, path, name string) []string {
	list := r.strList(v, path, name, "leave it out to need no scope")
	for i, s := range list {
		for j := 0; j < len(s); j++ {
			if c := s[j]; c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				r.fail(index(join(path, name), i), "is not a scope token (printable ASCII without spaces, quotes or backslashes): "+strconv.Quote(s))
				break
			}
		}
	}
	return list
}

// unreachable refuses rules that can never match because an earlier rule matches every
// request they would: with first-match-wins, such a rule is dead, and a dead rule that
// was meant to protect a path leaves it open (say an open {"prefix": "/"} written before
// {"prefix": "/admin"}). Only prefix and exact-path rules are compared; what a regex
// matches is not decided here.
func (r *reader) unreachable(rules []Rule, at []int) {
	for j := range rules {
		later := &rules[j].Match
		if later.kind != MatchPrefix && later.kind != MatchPath {
			continue
		}
		for i := 0; i < j; i++ {
			earlier := &rules[i].Match
			if earlier.narrowed() || !methodsCover(earlier.methods, later.methods) {
				continue
			}
			covered := false
			switch earlier.kind {
			case MatchPrefix:
				covered = strings.HasPrefix(later.value, earlier.value)
			case MatchPath:
				covered = later.kind == MatchPath && later.value == earlier.value
			}
			if covered && earlier.value != "" {
				r.fail(join(index("rules", at[j]), "match"), "is never reached: rules["+strconv.Itoa(at[i])+
					"] comes first and matches every request this rule would (the first match wins)")
				break
			}
		}
	}
}

// methodsCover reports whether every method in b is in a (empty: all methods).
func methodsCover(a, b []string) bool {
	if len(a) == 0 {
		return true
	}
	if len(b) == 0 {
		return false
	}
	for _, m := range b {
		found := false
		for _, x := range a {
			if x == m {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
