package config

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// The policy fields of issue 16 (claim paths, claim conditions, optional tokens, host and
// header matching, subjects, max_lifetime): accepted and refused documents, which the table
// tests, the schema agreement test and FuzzParse's seeds all read.

func policyAccepted() []acceptedCase {
	return []acceptedCase{
		{"claim paths in every form", withProvider(`,"scope_claims":["realm_access.roles",["https://example.com/roles"]],
			"claims_to_headers":[{"claim":["resource_access","orders-api","roles"],"header":"x-roles"}],"claims_to_log":["sub","address.country"]`),
			func(t *testing.T, c *Config) {
				p := only(t, c)
				eqList(t, "scope_claims", pathStrings(p.ScopeClaims), "realm_access.roles", `["https://example.com/roles"]`)
				eqClaimHeader(t, "claims_to_headers[0]", p.ClaimsToHeaders[0], "resource_access.orders-api.roles", "x-roles")
				eqList(t, "claims_to_log", pathStrings(p.ClaimsToLog), "sub", "address.country")
			}},
		{"hosts and headers", withRules(`{"match":{"prefix":"/a","hosts":["API.Example.com","*.Internal.example.com","10.0.0.1","[2001:DB8::1]"],
			"headers":[{"name":"X-Tenant","exact":"acme"},{"name":"x-debug","present":true},{"name":"x-v","prefix":"2."},{"name":"x-id","regex":"^[0-9]+$"}]},"require":{}},
			{"match":{"prefix":"/a"},"require":{}}`),
			func(t *testing.T, c *Config) {
				m := c.Rules[0].Match
				eq(t, "hosts", len(m.hosts), 4)
				eq(t, "hosts[0] lower-cased", m.hosts[0], hostPattern{name: "api.example.com"})
				eq(t, "hosts[1] wildcard", m.hosts[1], hostPattern{name: ".internal.example.com", wildcard: true})
				eq(t, "hosts[3] IPv6", m.hosts[3], hostPattern{name: "[2001:db8::1]"})
				eq(t, "headers", len(m.headers), 4)
				eq(t, "headers[0]", m.headers[0].name+" "+m.headers[0].value, "x-tenant acme")
				eq(t, "headers[1]", m.headers[1].kind, headerPresent)
				eq(t, "headers[3] anchored", m.headers[3].re.String(), "^(?:[0-9]+$)$")
				eq(t, "a narrowed rule does not hide the next one", len(c.Rules), 2)
			}},
		{"subjects and max_lifetime", withProvider(`,"subjects":[{"exact":"alice"},{"prefix":"spiffe://corp/"}],"max_lifetime":"24h"`),
			func(t *testing.T, c *Config) {
				p := only(t, c)
				eq(t, "subjects", len(p.Subjects), 2)
				eq(t, "subjects[0]", p.Subjects[0], jwtverify.SubjectMatch{Value: "alice"})
				eq(t, "subjects[1]", p.Subjects[1], jwtverify.SubjectMatch{Value: "spiffe://corp/", Prefix: true})
				eq(t, "max_lifetime", p.MaxLifetime, 24*time.Hour)
			}},
		{"no subjects, no max_lifetime by default", withProvider(``), func(t *testing.T, c *Config) {
			eq(t, "subjects", len(only(t, c).Subjects), 0)
			eq(t, "max_lifetime", only(t, c).MaxLifetime, time.Duration(0))
		}},
		{"token modes", withRules(`{"match":{"prefix":"/a"},"require":{"token":"allow_missing"}},
			{"match":{"prefix":"/b"},"require":{"token":"allow_missing_or_failed","providers":["corp"]}},
			{"match":{"prefix":"/c"},"require":{"token":"required","scopes":["x"]}},{"match":{"prefix":"/d"},"require":{}}`),
			func(t *testing.T, c *Config) {
				eq(t, "allow_missing", c.Rules[0].Require.Token, TokenAllowMissing)
				eq(t, "allow_missing_or_failed", c.Rules[1].Require.Token, TokenAllowMissingOrFailed)
				eq(t, "required, written", c.Rules[2].Require.Token, TokenRequired)
				eq(t, "required by default", c.Rules[3].Require.Token, TokenRequired)
			}},
		{"claim conditions of every kind", withRules(`{"match":{"prefix":"/a"},"require":{"claims":[
			{"claim":"realm_access.roles","contains":"admin"},{"claim":"email_verified","equals":true},
			{"claim":"tier","one_of":["gold",2,false]},{"claim":"groups","contains_any":["eng","ops"]},
			{"claim":["https://example.com/roles"],"contains_all":["a","b"]},{"claim":"sub","present":true},{"claim":"act","absent":true}],
			"any_claims":[{"claim":"n","equals":1e1},{"claim":"s","equals":"1"}]}},
			{"match":{"prefix":"/b"},"require":{"any_claims":[{"claim":"x","present":true}]}}`),
			func(t *testing.T, c *Config) {
				req := c.Rules[0].Require
				eq(t, "claims", len(req.Claims), 7)
				eq(t, "any_claims", len(req.AnyClaims), 2)
				eq(t, "conditions in the configuration", len(c.Conditions), 10)
				for i, cond := range c.Conditions {
					eq(t, "Conditions[i].ID", cond.ID, i)
				}
				eq(t, "rules[1] any_claims[0] is condition 9", c.Rules[1].Require.AnyClaims[0], c.Conditions[9])
				ops := []jwtverify.ClaimOp{jwtverify.OpContains, jwtverify.OpEquals, jwtverify.OpOneOf, jwtverify.OpContainsAny,
					jwtverify.OpContainsAll, jwtverify.OpPresent, jwtverify.OpAbsent}
				for i, op := range ops {
					eq(t, "op of claims["+strconv.Itoa(i)+"]", req.Claims[i].Op, op)
				}
				eq(t, "one_of values", len(req.Claims[2].Values), 3)
				eqList(t, "claim paths", []string{req.Claims[0].Path.String(), req.Claims[4].Path.String()}, "realm_access.roles", `["https://example.com/roles"]`)
			}},
	}
}

func policyRejected() []rejectedCase {
	cond := func(c string) string { return withRules(`{"match":{"prefix":"/"},"require":{"claims":[` + c + `]}}`) }
	many := func(n int, item string) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }
	return []rejectedCase{
		{"host with a port", withRules(`{"match":{"prefix":"/","hosts":["api.example.com:443"]}}`),
			[]string{`rules[0].match.hosts[0]: must be a host name ("api.example.com"), "*." and a host name, or an IP address, without a port; got "api.example.com:443"`}, schemaRejects},
		{"host with a wildcard inside", withRules(`{"match":{"prefix":"/","hosts":["api.*.example.com"]}}`),
			[]string{`rules[0].match.hosts[0]: must be a host name`}, schemaRejects},
		{"wildcard IP literal", withRules(`{"match":{"prefix":"/","hosts":["*.[::1]"]}}`), []string{`rules[0].match.hosts[0]: must be a host name`}, schemaRejects},
		{"bare wildcard host", withRules(`{"match":{"prefix":"/","hosts":["*"]}}`), []string{`rules[0].match.hosts[0]: must be a host name`}, schemaRejects},
		{"host with an empty label", withRules(`{"match":{"prefix":"/","hosts":["api..example.com"]}}`), []string{`rules[0].match.hosts[0]: must be a host name`}, schemaRejects},
		{"empty hosts", withRules(`{"match":{"prefix":"/","hosts":[]}}`), []string{`rules[0].match.hosts: must not be empty`}, schemaRejects},
		{"header test without a test", withRules(`{"match":{"prefix":"/","headers":[{"name":"x-a"}]}}`),
			[]string{`rules[0].match.headers[0]: needs exactly one of present, exact, prefix or regex, got none`}, schemaRejects},
		{"header test with two tests", withRules(`{"match":{"prefix":"/","headers":[{"name":"x-a","exact":"a","prefix":"a"}]}}`),
			[]string{`rules[0].match.headers[0]: needs exactly one of present, exact, prefix or regex, got exact and prefix`}, schemaRejects},
		{"header test on a pseudo-header", withRules(`{"match":{"prefix":"/","headers":[{"name":":authority","exact":"a"}]}}`),
			[]string{`rules[0].match.headers[0].name: must not be a pseudo-header`}, schemaRejects},
		{"header test without a name", withRules(`{"match":{"prefix":"/","headers":[{"present":true}]}}`),
			[]string{`rules[0].match.headers[0].name: is required`}, schemaRejects},
		{"header regex that is not RE2", withRules(`{"match":{"prefix":"/","headers":[{"name":"x-a","regex":"a(?=b)"}]}}`),
			[]string{`rules[0].match.headers[0].regex: does not compile as RE2`}, parseOnly},
		{"header present false", withRules(`{"match":{"prefix":"/","headers":[{"name":"x-a","present":false}]}}`),
			[]string{`rules[0].match.headers[0].present: must be true`}, schemaRejects},
		{"header exact empty", withRules(`{"match":{"prefix":"/","headers":[{"name":"x-a","exact":""}]}}`),
			[]string{`rules[0].match.headers[0].exact: must not be empty`}, schemaRejects},
		{"header test unknown field", withRules(`{"match":{"prefix":"/","headers":[{"name":"x-a","suffix":"a"}]}}`),
			[]string{`rules[0].match.headers[0].suffix: unknown field`, "needs exactly one of present, exact, prefix or regex"}, schemaRejects},
		{"subject with both tests", withProvider(`,"subjects":[{"exact":"a","prefix":"b"}]`),
			[]string{"providers.corp.subjects[0]: needs exactly one of exact and prefix"}, schemaRejects},
		{"subject with no test", withProvider(`,"subjects":[{}]`), []string{"providers.corp.subjects[0]: needs exactly one of exact and prefix"}, schemaRejects},
		{"subject as a string", withProvider(`,"subjects":["alice"]`), []string{"providers.corp.subjects[0]: must be an object, got a string"}, schemaRejects},
		{"subject empty", withProvider(`,"subjects":[{"exact":""}]`), []string{"providers.corp.subjects[0].exact: must not be empty"}, schemaRejects},
		{"empty subjects", withProvider(`,"subjects":[]`), []string{"providers.corp.subjects: must not be empty"}, schemaRejects},
		{"max_lifetime zero", withProvider(`,"max_lifetime":"0s"`), []string{`providers.corp.max_lifetime: must be a positive duration, got "0s"`}, parseOnly},
		{"max_lifetime too long", withProvider(`,"max_lifetime":"9000h"`), []string{`providers.corp.max_lifetime: must be at most 8784h0m0s, got "9000h"`}, parseOnly},
		{"max_lifetime a number", withProvider(`,"max_lifetime":3600`), []string{`providers.corp.max_lifetime: must be a duration string`}, schemaRejects},
		{"unknown token mode", withRules(`{"match":{"prefix":"/"},"require":{"token":"optional"}}`),
			[]string{`rules[0].require.token: must be "required", "allow_missing" or "allow_missing_or_failed", got "optional"`}, schemaRejects},
		{"token mode not a string", withRules(`{"match":{"prefix":"/"},"require":{"token":false}}`),
			[]string{`rules[0].require.token: must be "required", "allow_missing" or "allow_missing_or_failed", got "false"`}, schemaRejects},
		{"optional token with scopes", withRules(`{"match":{"prefix":"/"},"require":{"token":"allow_missing","scopes":["admin"]}}`),
			[]string{`rules[0].require.token: is "allow_missing": a request without a token passes, so scopes and claim conditions would protect nothing`}, schemaRejects},
		{"optional token with claim conditions", withRules(`{"match":{"prefix":"/"},"require":{"token":"allow_missing_or_failed","any_claims":[{"claim":"a","present":true}]}}`),
			[]string{`rules[0].require.token: is "allow_missing_or_failed": a request without a token passes`}, schemaRejects},
		{"condition without a test", cond(`{"claim":"a"}`),
			[]string{"rules[0].require.claims[0]: needs exactly one test of equals, one_of, contains, contains_any, contains_all, present or absent, got none"}, schemaRejects},
		{"condition with two tests", cond(`{"claim":"a","equals":"x","contains":"x"}`),
			[]string{"rules[0].require.claims[0]: needs exactly one test of equals, one_of, contains, contains_any, contains_all, present or absent, got equals and contains"}, schemaRejects},
		{"condition without a claim", cond(`{"equals":"x"}`), []string{"rules[0].require.claims[0].claim: is required"}, schemaRejects},
		{"condition with a bad claim path", cond(`{"claim":"a..b","present":true}`),
			[]string{"rules[0].require.claims[0].claim: has an empty member name"}, schemaRejects},
		{"condition with an unknown test", cond(`{"claim":"a","equal":"x"}`),
			[]string{`rules[0].require.claims[0].equal: unknown field; did you mean "equals"?`, "needs exactly one test"}, schemaRejects},
		{"equals null", cond(`{"claim":"a","equals":null}`),
			[]string{"rules[0].require.claims[0].equals: must be a string, a number or a boolean, got null"}, schemaRejects},
		{"equals an array", cond(`{"claim":"a","equals":["x"]}`),
			[]string{"rules[0].require.claims[0].equals: must be a string, a number or a boolean, got an array"}, schemaRejects},
		{"contains an object", cond(`{"claim":"a","contains":{"x":1}}`),
			[]string{"rules[0].require.claims[0].contains: must be a string, a number or a boolean, got an object"}, schemaRejects},
		{"one_of a scalar", cond(`{"claim":"a","one_of":"x"}`),
			[]string{"rules[0].require.claims[0].one_of: must be an array of strings, numbers or booleans, got a string"}, schemaRejects},
		{"contains_any empty", cond(`{"claim":"a","contains_any":[]}`),
			[]string{"rules[0].require.claims[0].contains_any: must not be empty"}, schemaRejects},
		{"contains_all with null", cond(`{"claim":"a","contains_all":["x",null]}`),
			[]string{"rules[0].require.claims[0].contains_all[1]: must be a string, a number or a boolean, got null"}, schemaRejects},
		{"too many values", cond(`{"claim":"a","one_of":[` + many(65, `"x"`) + `]}`),
			[]string{"rules[0].require.claims[0].one_of: lists more than 64 values"}, schemaRejects},
		{"value too long", cond(`{"claim":"a","equals":"` + strings.Repeat("x", 1025) + `"}`),
			[]string{"rules[0].require.claims[0].equals: is longer than 1024 bytes"}, schemaRejects},
		{"present false", cond(`{"claim":"a","present":false}`),
			[]string{"rules[0].require.claims[0].present: must be true (to test the opposite, use absent)"}, schemaRejects},
		{"absent as a string", cond(`{"claim":"a","absent":"yes"}`),
			[]string{"rules[0].require.claims[0].absent: must be true (to test the opposite, use present)"}, schemaRejects},
		{"too many conditions", cond(many(33, `{"claim":"a","present":true}`)),
			[]string{"rules[0].require.claims: lists more than 32 conditions"}, schemaRejects},
		{"empty any_claims", withRules(`{"match":{"prefix":"/"},"require":{"any_claims":[]}}`),
			[]string{"rules[0].require.any_claims: must not be empty"}, schemaRejects},
		{"condition not an object", withRules(`{"match":{"prefix":"/"},"require":{"any_claims":["admin"]}}`),
			[]string{"rules[0].require.any_claims[0]: must be an object, got a string"}, schemaRejects},
		{"claim path with an empty member", withProvider(`,"scope_claims":["realm_access..roles"]`),
			[]string{"providers.corp.scope_claims[0]: has an empty member name"}, schemaRejects},
		{"claim path too deep", withProvider(`,"claims_to_log":["a.b.c.d.e.f.g.h.i"]`),
			[]string{"providers.corp.claims_to_log[0]: has 9 members, more than 8"}, schemaRejects},
		{"claim path array too deep", withProvider(`,"claims_to_log":[["a","b","c","d","e","f","g","h","i"]]`),
			[]string{"providers.corp.claims_to_log[0]: has 9 members, more than 8"}, schemaRejects},
		{"claim path too long", withProvider(`,"claims_to_headers":[{"claim":["` + strings.Repeat("a", 513) + `"],"header":"x-a"}]`),
			[]string{"providers.corp.claims_to_headers[0].claim: is longer than 512 bytes"}, parseOnly},
		{"claim path of a wrong type", withProvider(`,"claims_to_headers":[{"claim":7,"header":"x-a"}]`),
			[]string{"providers.corp.claims_to_headers[0].claim: must be a claim path"}, schemaRejects},
		{"claim path member not a string", withProvider(`,"scope_claims":[["realm_access",1]]`),
			[]string{"providers.corp.scope_claims[0][1]: must be a non-empty member name"}, schemaRejects},
		{"claim path member empty", withProvider(`,"scope_claims":[["realm_access",""]]`),
			[]string{"providers.corp.scope_claims[0][1]: must be a non-empty member name"}, schemaRejects},
		{"claim path with a control character", withProvider(`,"claims_to_log":["a\u0000b"]`),
			[]string{"providers.corp.claims_to_log[0]: must not contain control characters"}, schemaRejects},
		{"claim path given twice, in two forms", withProvider(`,"claims_to_log":["realm_access.roles",["realm_access","roles"]]`),
			[]string{`providers.corp.claims_to_log[1]: duplicate claim "realm_access.roles"`}, parseOnly},
		{"empty array claim path", withProvider(`,"scope_claims":[[]]`),
			[]string{"providers.corp.scope_claims[0]: must name at least one member"}, schemaRejects},
		{"claim header without claim", withProvider(`,"claims_to_headers":[{"header":"x-a"}]`),
			[]string{"providers.corp.claims_to_headers[0].claim: is required"}, schemaRejects},
	}
}
