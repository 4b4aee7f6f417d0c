package config

import (
	"strings"
	"testing"
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
	}
}

func policyRejected() []rejectedCase {
	return []rejectedCase{
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
