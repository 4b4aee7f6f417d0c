package jwtverify

import (
	"math"
	"time"

	"github.com/tidwall/gjson"
)

// ClaimsPolicy is what a provider expects of a token's claims.
type ClaimsPolicy struct {
	Issuer          string         // iss must equal it exactly (RFC 7519 §4.1.1: case-sensitive)
	Audiences       []string       // aud must intersect it; empty: aud is not checked
	ClockSkew       time.Duration  // tolerance for exp, nbf and iat
	AllowMissingExp bool           // exp is required unless this is set (RFC 8725 §3.10 advises expiry)
	Typ             string         // "" → typ not checked; else the header typ must match, e.g. "at+jwt" (RFC 9068 §4)
	Subjects        []SubjectMatch // non-empty: sub must match one (Envoy jwt_authn's subjects)
	MaxLifetime     time.Duration  // > 0: exp − iat must not exceed it, and both must be present (Envoy's max_lifetime)
}

// maxNumericDate is 9999-12-31T23:59:59Z: a later "date" is an overflow, not a time.
const maxNumericDate = 253402300799

// numericDate reads an RFC 7519 NumericDate: a JSON number (never a string), non-negative,
// finite and not beyond year 9999. Fractional seconds are allowed, as §2 permits; they are
// truncated to whole seconds, which only ever shortens a token's validity by under a second.
// It reads the value gjson (or strictjson.Object, which matches it) already parsed: v.Num is
// strconv.ParseFloat of the number's JSON text, ±Inf when it overflows (refused by the range
// check, as ParseFloat's range error was), never NaN (JSON has no such number).
func numericDate(v gjson.Result) (int64, bool) {
	if v.Type != gjson.Number {
		return 0, false
	}
	f := v.Num
	if math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return 0, false
	}
	return int64(f), true
}

// ValidateClaims checks the time claims at now, the issuer, the audience and the type.
// Time is an argument: the package never reads a clock.
func (t *Token) ValidateClaims(now time.Time, p *ClaimsPolicy) error {
	if p.Typ != "" && !typeMatches(t.typ, p.Typ) {
		return ErrWrongType
	}
	skew := int64(p.ClockSkew / time.Second)
	sec := now.Unix()
	if t.exp.Exists() {
		exp, ok := numericDate(t.exp)
		if !ok {
			return ErrBadTimeClaim
		}
		if sec >= exp+skew { // RFC 7519 §4.1.4: not accepted on or after exp
			return ErrExpired
		}
	} else if !p.AllowMissingExp {
		return ErrMissingExp
	}
	if t.nbf.Exists() {
		nbf, ok := numericDate(t.nbf)
		if !ok {
			return ErrBadTimeClaim
		}
		if sec+skew < nbf {
			return ErrNotYetValid
		}
	}
	if t.iat.Exists() {
		iat, ok := numericDate(t.iat)
		if !ok {
			return ErrBadTimeClaim
		}
		if sec+skew < iat {
			return ErrIssuedInFuture
		}
	}
	if iss, ok := t.Issuer(); !ok || iss != p.Issuer {
		if t.iss.Exists() && t.iss.Type != gjson.String {
			return ErrBadClaim
		}
		return ErrWrongIssuer
	}
	if len(p.Audiences) > 0 {
		if err := t.checkAudience(p.Audiences); err != nil {
			return err
		}
	}
	if len(p.Subjects) > 0 {
		if err := t.checkSubject(p.Subjects); err != nil {
			return err
		}
	}
	if p.MaxLifetime > 0 {
		return t.checkLifetime(p.MaxLifetime)
	}
	return nil
}

// checkAudience: aud is a string or an array of strings (RFC 7519 §4.1.3) and must name one
// of the allowed audiences.
func (t *Token) checkAudience(allowed []string) error {
	match := func(s string) bool {
		for _, a := range allowed {
			if s == a {
				return true
			}
		}
		return false
	}
	switch {
	case t.aud.Type == gjson.String:
		if match(t.aud.Str) {
			return nil
		}
	case t.aud.IsArray():
		var err error = ErrWrongAudience
		t.aud.ForEach(func(_, v gjson.Result) bool {
			if v.Type != gjson.String {
				err = ErrBadClaim
				return false
			}
			if match(v.Str) {
				err = nil
			}
			return true
		})
		return err
	case t.aud.Exists():
		return ErrBadClaim
	}
	return ErrWrongAudience
}

// typeMatches compares typ values as media types: case-insensitively, with an omitted
// "application/" prefix (RFC 7515 §4.1.9), so "at+jwt" matches "application/at+jwt".
func typeMatches(got, want string) bool {
	norm := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		s = string(b)
		if len(s) > 12 && s[:12] == "application/" {
			s = s[12:]
		}
		return s
	}
	return norm(got) == norm(want)
}

// Expiry is the exp claim, when it is a valid NumericDate.
func (t *Token) Expiry() (time.Time, bool) {
	exp, ok := numericDate(t.exp)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(exp, 0), true
}
