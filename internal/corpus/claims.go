package corpus

import (
	"encoding/json"
	"strings"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// claimRules are the rules with claim conditions the claim cases are judged by (part of
// Rules): one per claim, so each case changes one thing.
const claimRules = `{"match": {"path": "/claims/role"}, "require": {"claims": [{"claim": "role", "equals": "admin"}]}},
    {"match": {"path": "/claims/roles"}, "require": {"claims": [{"claim": "realm_access.roles", "contains": "admin"}]}},
    {"match": {"path": "/claims/level"}, "require": {"claims": [{"claim": "level", "equals": 1}]}},
    {"match": {"path": "/claims/flag"}, "require": {"claims": [{"claim": "flag", "equals": true}]}},
    {"match": {"path": "/claims/deep"}, "require": {"claims": [{"claim": "a.b.c.d.e.f.g.h", "equals": "x"}]}},
    {"match": {"path": "/claims/namespaced"}, "require": {"claims": [{"claim": ["https://example.com/roles"], "contains": "admin"}]}},
    {"match": {"path": "/claims/no-act"}, "require": {"claims": [{"claim": "act", "absent": true}]}}`

// claimCases: claim-type confusion. An IdP that copies user-controlled data into claims, or
// a mapper that changes a claim's shape, must not turn "not admin" into "admin": no
// coercion between types, no substring or case-insensitive match, no Unicode folding, no
// reading into nested arrays, and a nested member named twice (parsers disagree on which copy
// wins) satisfies nothing.
func claimCases(g *gen, k *mint.Key) []Case {
	var out []Case
	add := func(name, path string, status int, claims map[string]any) {
		reason := ""
		if status == 403 {
			reason = "claim_condition_failed"
		}
		out = append(out, Case{Name: "claims: " + name, Path: path, Headers: [][2]string{{"authorization", "Bearer " + g.sign(k, claims, nil)}},
			Status: status, Reason: reason})
	}
	// rawCase signs a payload written by hand (duplicate nested members).
	rawCase := func(name, path string, status int, members string) {
		base, _ := json.Marshal(map[string]any{"iss": Issuer, "aud": Audience, "sub": "alice", "iat": g.now - 10, "exp": g.now + 600})
		payload := string(base[:len(base)-1]) + "," + members + "}"
		out = append(out, Case{Name: "claims: " + name, Path: path,
			Headers: [][2]string{{"authorization", "Bearer " + g.raw(k, `{"alg":"RS256","kid":"rsa-1"}`, payload)}},
			Status:  status, Reason: "claim_condition_failed"})
	}
	roles := func(v any) map[string]any { return map[string]any{"realm_access": map[string]any{"roles": v}} }
	deep := func(leaf any) map[string]any {
		v := leaf
		for _, name := range []string{"h", "g", "f", "e", "d", "c", "b"} {
			v = map[string]any{name: v}
		}
		return map[string]any{"a": v}
	}

	add(`role "admin"`, "/claims/role", 200, map[string]any{"role": "admin"})
	add(`role ["admin"] is not "admin"`, "/claims/role", 403, map[string]any{"role": []string{"admin"}})
	add(`role "admins"`, "/claims/role", 403, map[string]any{"role": "admins"})
	add(`role "Admin"`, "/claims/role", 403, map[string]any{"role": "Admin"})
	add(`role "admin " with a trailing space`, "/claims/role", 403, map[string]any{"role": "admin "})
	add(`role with a Cyrillic a`, "/claims/role", 403, map[string]any{"role": "аdmin"})
	add(`role in fullwidth letters`, "/claims/role", 403, map[string]any{"role": "ａｄｍｉｎ"})
	add(`role with a zero-width space`, "/claims/role", 403, map[string]any{"role": "ad\u200bmin"})
	add(`role {"admin":true}`, "/claims/role", 403, map[string]any{"role": map[string]any{"admin": true}})
	rawCase(`role null`, "/claims/role", 403, `"role":null`)
	add(`"Role" is another claim`, "/claims/role", 403, map[string]any{"Role": "admin"})

	add(`realm roles ["admin"]`, "/claims/roles", 200, roles([]string{"user", "admin"}))
	add(`realm roles "user admin" (words)`, "/claims/roles", 200, roles("user admin"))
	add(`realm roles "admins"`, "/claims/roles", 403, roles("admins"))
	add(`realm roles "admin,ops" is one word`, "/claims/roles", 403, roles("admin,ops"))
	add(`realm roles [["admin"]]`, "/claims/roles", 403, roles([]any{[]string{"admin"}}))
	add(`realm roles [{"admin":true}]`, "/claims/roles", 403, roles([]any{map[string]any{"admin": true}}))
	add(`realm_access as an array`, "/claims/roles", 403, map[string]any{"realm_access": []any{map[string]any{"roles": []string{"admin"}}}})
	add(`top-level claim named "realm_access.roles"`, "/claims/roles", 403, map[string]any{"realm_access.roles": []string{"admin"}})
	rawCase(`realm roles named twice`, "/claims/roles", 403, `"realm_access":{"roles":["user"],"roles":["admin"]}`)
	rawCase(`realm roles named twice, once escaped`, "/claims/roles", 403, `"realm_access":{"roles":["admin"],"r\u006fles":["user"]}`)

	add(`level 1`, "/claims/level", 200, map[string]any{"level": 1})
	add(`level 1.0`, "/claims/level", 200, map[string]any{"level": 1.0})
	add(`level "1"`, "/claims/level", 403, map[string]any{"level": "1"})
	add(`level true`, "/claims/level", 403, map[string]any{"level": true})
	add(`level [1]`, "/claims/level", 403, map[string]any{"level": []int{1}})
	add(`level 1.0000000001`, "/claims/level", 403, map[string]any{"level": 1.0000000001})
	rawCase(`level 1e0`, "/claims/level", 200, `"level":1e0`)
	out[len(out)-1].Reason = ""

	add(`flag true`, "/claims/flag", 200, map[string]any{"flag": true})
	add(`flag "true"`, "/claims/flag", 403, map[string]any{"flag": "true"})
	add(`flag 1`, "/claims/flag", 403, map[string]any{"flag": 1})

	add(`path eight deep`, "/claims/deep", 200, deep("x"))
	add(`path eight deep, leaf an array`, "/claims/deep", 403, deep([]string{"x"}))
	add(`claim name of 4 KiB`, "/claims/deep", 403, map[string]any{strings.Repeat("a", 4096): "x"})

	add(`namespaced roles`, "/claims/namespaced", 200, map[string]any{"https://example.com/roles": []string{"admin"}})
	add(`namespaced roles split at the dot`, "/claims/namespaced", 403,
		map[string]any{"https://example": map[string]any{"com/roles": []string{"admin"}}})

	add(`act absent`, "/claims/no-act", 200, nil)
	rawCase(`act null counts as absent`, "/claims/no-act", 200, `"act":null`)
	out[len(out)-1].Reason = ""
	add(`act present`, "/claims/no-act", 403, map[string]any{"act": map[string]any{"sub": "admin"}})
	rawCase(`act present, with a member named twice inside`, "/claims/no-act", 403, `"x":{"a":1},"act":{"sub":"a","sub":"b"}`)
	return out
}
