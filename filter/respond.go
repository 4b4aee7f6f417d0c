package filter

import (
	"strings"

	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// reason is one entry of the closed catalogue of ways a request can be refused. Token
// problems come from jwtverify's catalogue; the request-level ones are below. This file is
// the only place that turns a reason into an HTTP answer.
type reason struct {
	name        string // stable: logs, metrics, response-code details, response body
	description string // short, human, never contains the token
	status      uint32
	// bearerError is the RFC 6750 §3.1 error code for WWW-Authenticate; "" means a 401
	// without an error attribute (no credentials at all, §3.1) or no challenge (403/503).
	bearerError string
}

const (
	errInvalidRequest    = "invalid_request"
	errInvalidToken      = "invalid_token"
	errInsufficientScope = "insufficient_scope"
)

// Request-level reasons.
var (
	reasonMissingToken = reason{"missing_token", "no bearer token in the request", 401, ""}
	// RFC 6750 §2: a client must not send the token in more than one way.
	reasonMultipleTokens         = reason{"multiple_tokens", "more than one bearer token in the request", 400, errInvalidRequest}
	reasonMalformedAuthorization = reason{"malformed_authorization", "the Authorization header is not a single bearer token", 400, errInvalidRequest}
	reasonNoMatchingRule         = reason{"no_matching_rule", "no rule allows this request", 403, ""}
	// A header a rule matches by value appears more than once: which one counts would be a
	// guess the upstream may make differently (config.matchHeaders).
	reasonRepeatedHeader    = reason{"repeated_header", "a header the rules match on appears more than once", 400, errInvalidRequest}
	reasonUnknownIssuer     = reason{"unknown_issuer", "the token's issuer is not accepted on this route", 401, errInvalidToken}
	reasonInsufficientScope = reason{"insufficient_scope", "the token lacks a scope this route requires", 403, errInsufficientScope}
	// A valid token whose claims fail the route's conditions needs higher privileges than it
	// carries: RFC 6750 §3.1's insufficient_scope, with a reason of its own (REFERENCE.md).
	reasonClaimConditions = reason{"claim_condition_failed", "the token's claims do not meet this route's conditions", 403, errInsufficientScope}
	// An IdP outage is the server's failure, not the client's: 503 so it alerts as 5xx.
	reasonKeysUnavailable = reason{"keys_unavailable", "the signing keys cannot be fetched right now", 503, ""}
	reasonTooManyHeld     = reason{"too_many_pending", "too many requests are waiting for signing keys", 503, ""}
	// A cookie named in from_cookies whose value is not a single token (RFC 6265 §4.1.1).
	reasonMalformedCookie = reason{"malformed_token_cookie", "a token cookie does not hold a single bearer token", 400, errInvalidRequest}
)

// requestReasons lists the request-level reasons; with jwtverify.Reasons() it is the whole
// catalogue, so that a counter exists for each before the first request.
var requestReasons = []reason{
	reasonMissingToken, reasonMultipleTokens, reasonMalformedAuthorization, reasonNoMatchingRule,
	reasonUnknownIssuer, reasonInsufficientScope, reasonKeysUnavailable, reasonTooManyHeld,
	reasonMalformedCookie, reasonClaimConditions, reasonRepeatedHeader,
}

// tokenReason maps a jwtverify failure to its reason: always 401 invalid_token (RFC 6750 §3.1).
func tokenReason(err error) reason {
	r := jwtverify.ReasonOf(err)
	return reason{r.Name(), r.Description(), 401, errInvalidToken}
}

// retryAfterSeconds is sent with 503s: a client retrying sooner only adds load to an IdP
// that is already failing.
const retryAfterSeconds = "5"

// respond answers the current stream with reason r (stream.decide has counted it).
// requiredScope is the scope attribute of an insufficient_scope challenge (RFC 6750 §3.1).
func (p *pluginState) respond(r reason, requiredScope string) {
	headers := make([][2]string, 0, 3)
	if r.status == 401 || r.bearerError != "" {
		headers = append(headers, [2]string{"www-authenticate", p.challenge(r, requiredScope)})
	}
	if r.status == 503 {
		headers = append(headers, [2]string{"retry-after", retryAfterSeconds})
	}
	headers = append(headers, [2]string{"content-type", "application/json"})
	body := responseBody(r)
	if err := abi.SendHttpResponse(r.status, "jwtguard_"+r.name, headers, body, -1); err != nil {
		abi.LogError("jwtguard: cannot send the local reply: " + err.Error())
	}
}

// challenge builds the WWW-Authenticate value of RFC 6750 §3: realm always; error and
// error_description when the request carried credentials; scope for insufficient_scope.
func (p *pluginState) challenge(r reason, requiredScope string) string {
	var b strings.Builder
	b.WriteString(`Bearer realm="`)
	b.WriteString(p.realm)
	b.WriteByte('"')
	if r.bearerError != "" {
		b.WriteString(`, error="`)
		b.WriteString(r.bearerError)
		b.WriteString(`", error_description="`)
		b.WriteString(r.description)
		b.WriteByte('"')
	}
	if r.bearerError == errInsufficientScope && requiredScope != "" {
		b.WriteString(`, scope="`)
		b.WriteString(requiredScope)
		b.WriteByte('"')
	}
	return b.String()
}

// responseBody is {"error": …, "error_description": …, "reason": …}. error is the RFC 6750
// code where there is one, else the reason's name.
func responseBody(r reason) []byte {
	code := r.bearerError
	if code == "" {
		code = r.name
	}
	b := make([]byte, 0, 96+len(r.description))
	b = append(b, `{"error":`...)
	b = appendJSONString(b, code)
	b = append(b, `,"error_description":`...)
	b = appendJSONString(b, r.description)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, r.name)
	return append(b, '}')
}

// appendJSONString appends s as a JSON string (RFC 8259 §7), escaping quotes, backslashes
// and control characters.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// scopeAttribute is what the route needs, for the scope="…" attribute: all of scopes, or
// (when only any_scopes is set) the alternatives, space-separated as in RFC 6749 §3.3.
func scopeAttribute(all, any []string) string {
	if len(all) > 0 {
		return strings.Join(all, " ")
	}
	return strings.Join(any, " ")
}
