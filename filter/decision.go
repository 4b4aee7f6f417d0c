package filter

import (
	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// The decision of each request, where operators look: Envoy's access log. proxy_set_property
// on a stream stores the value in the stream's filter state under "wasm." + the property
// path (Envoy source/extensions/common/wasm/context.cc, Context::setProperty: the key is
// CelStateKeyPrefix "wasm." followed by the path, a CelState of the default prototype, type
// bytes, mutable, life span FilterChain). The access log prints it with
// %FILTER_STATE(wasm.jwtguard_outcome:PLAIN)%: PLAIN uses CelState::serializeAsString, which
// is the bytes as set (source/extensions/filters/common/expr/cel_state.h); without PLAIN
// Envoy would print the BytesValue proto. A key that was never set prints "-".
const (
	propOutcome  = "jwtguard_outcome"  // allowed, allowed_open_route, or the reason's name
	propProvider = "jwtguard_provider" // the provider that verified the token, when one did
	propClaims   = "jwtguard_claims"   // claims_to_log as a JSON object, when the token verified
	// The reason a token failed on a rule that lets failed tokens through.
	propTokenFailure = "jwtguard_token_failure"
)

// Outcomes that are not rejection reasons.
const (
	outcomeAllowed   = "allowed"
	outcomeOpenRoute = "allowed_open_route"
	// Rules with an optional token (config.TokenMode): no token, or a token that failed.
	outcomeWithoutToken = "allowed_without_token"
	outcomeFailedToken  = "allowed_failed_token"
)

// decide records the outcome of the request in the stream's filter state and counts it.
// prov is the provider whose keys judged the token (nil before one is known); claims is
// the provider's claims_to_log rendering of a verified token, or "". Never the token: a
// reason name, a provider name from the configuration, and claims the configuration chose.
func (s *stream) decide(outcome string, prov *providerState, claims string) {
	_ = abi.SetPropertyString(propOutcome, outcome)
	provider := ""
	if prov != nil {
		provider = prov.cfg.Name
		_ = abi.SetPropertyString(propProvider, provider)
	}
	m := &s.plugin.metrics
	switch outcome {
	case outcomeAllowed: // only ever with the provider whose keys verified the token (admit)
		prov.allowed.add(1)
	case outcomeOpenRoute:
		m.allowedOpen.add(1)
	case outcomeWithoutToken:
		m.allowedWithoutToken.add(1)
	case outcomeFailedToken:
		m.allowedFailedToken.add(1)
	default:
		m.rejected(outcome, provider)
	}
	if claims != "" {
		_ = abi.SetPropertyString(propClaims, claims)
	}
}

// maxLogClaimBytes bounds one claim's JSON text in the access log: a log line is not the
// place for a claim that holds a document.
const maxLogClaimBytes = 512

// logClaims renders the provider's claims_to_log of a verified token as a compact JSON
// object, in the configured order, each value as its compact JSON text (so strings stay
// quoted and escaped, and a log parser reads the types back), keyed by the path's String()
// ("realm_access.roles"). Claims the token lacks or names twice, JSON null, and values longer
// than maxLogClaimBytes are left out. "" when nothing is left.
func logClaims(tok *jwtverify.Token, paths []jwtverify.ClaimPath) string {
	var b []byte
	for _, p := range paths {
		v, found := tok.Claim(p)
		if found != jwtverify.ClaimFound || v.Type == gjson.Null || len(v.Raw) > 2*maxLogClaimBytes {
			continue
		}
		text := compactJSON(v.Raw)
		if len(text) > maxLogClaimBytes {
			continue
		}
		if b == nil {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.String())
		b = append(b, ':')
		b = append(b, text...)
	}
	if b == nil {
		return ""
	}
	return string(append(b, '}'))
}
