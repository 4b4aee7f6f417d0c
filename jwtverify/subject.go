package jwtverify

import (
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// SubjectMatch is one allowed sub: exactly Value, or (Prefix) any sub that starts with it,
// as the exact and prefix StringMatchers of Envoy jwt_authn's JwtProvider.subjects.
type SubjectMatch struct {
	Value  string
	Prefix bool
}

// checkSubject: sub must be a string (RFC 7519 §4.1.2: a StringOrURI) that one of allowed
// matches, byte for byte. A missing sub is not allowed; a sub of another type is a bad claim.
func (t *Token) checkSubject(allowed []SubjectMatch) error {
	if t.sub.Exists() && t.sub.Type != gjson.String {
		return ErrBadClaim
	}
	if t.sub.Type == gjson.String {
		for _, m := range allowed {
			if t.sub.Str == m.Value || m.Prefix && strings.HasPrefix(t.sub.Str, m.Value) {
				return nil
			}
		}
	}
	return ErrSubjectNotAllowed
}

// checkLifetime refuses a token meant to live longer than max (exp − iat), as Envoy
// jwt_authn's max_lifetime: a long-lived token that leaks is useful to an attacker for
// longer, and an IdP misconfigured to mint them should be caught at the proxy. Without iat
// the lifetime is unknown, and without exp it is unbounded, so both are required. The clock
// skew does not apply: both ends are the issuer's own clock.
func (t *Token) checkLifetime(max time.Duration) error {
	if !t.exp.Exists() {
		return ErrMissingExp
	}
	if !t.iat.Exists() {
		return ErrMissingIat
	}
	exp, ok1 := numericDate(t.exp)
	iat, ok2 := numericDate(t.iat)
	if !ok1 || !ok2 {
		return ErrBadTimeClaim
	}
	if exp-iat > int64(max/time.Second) {
		return ErrLifetimeTooLong
	}
	return nil
}
