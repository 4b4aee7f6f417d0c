package config

import (
	"testing"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// pathStrings are the paths as String() writes them.
func pathStrings(ps []jwtverify.ClaimPath) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func eqClaimHeader(t *testing.T, what string, got ClaimHeader, claim, header string) {
	t.Helper()
	if got.Claim.String() != claim || got.Header != header {
		t.Errorf("%s = {%s %s}, want {%s %s}", what, got.Claim, got.Header, claim, header)
	}
}

// TestClaimPathFields: every field that names a claim takes both forms of a claim path.
func TestClaimPathFields(t *testing.T) {
	doc := withProvider(`,"scope_claims":["scope","realm_access.roles",["https://example.com/roles"],["resource_access","orders-api","roles"]],
		"claims_to_headers":[{"claim":"realm_access.roles","header":"x-roles"},{"claim":["https://example.com/tenant"],"header":"x-tenant"}],
		"claims_to_log":["sub",["https://example.com/roles"],"address.country"]`)
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p := only(t, c)
	eqList(t, "scope_claims", pathStrings(p.ScopeClaims), "scope", "realm_access.roles", `["https://example.com/roles"]`, "resource_access.orders-api.roles")
	eqClaimHeader(t, "claims_to_headers[0]", p.ClaimsToHeaders[0], "realm_access.roles", "x-roles")
	eqClaimHeader(t, "claims_to_headers[1]", p.ClaimsToHeaders[1], `["https://example.com/tenant"]`, "x-tenant")
	eqList(t, "claims_to_log", pathStrings(p.ClaimsToLog), "sub", `["https://example.com/roles"]`, "address.country")
	eqList(t, "segments", p.ScopeClaims[3].Segments(), "resource_access", "orders-api", "roles")
}
