// Package jwtverify verifies compact JWS tokens and JWT claims against a JSON Web Key Set,
// strictly, with the standard library's RSA, ECDSA and Ed25519 and no crypto/x509 (a plugin linking
// x509 cannot load on Envoys before proxy-wasm-cpp-host #533). It imports nothing of
// proxy-wasm and reads no clock: keys and the time are arguments, so it runs natively, under
// fuzzing and in wasm alike.
package jwtverify

import "errors"

// Reason is one entry of the closed catalogue of ways a token or key set is refused, in the
// spirit of jwt_verify_lib's Status. Each has a stable snake_case Name, used in logs, metrics
// and response bodies, and a short Description that never contains token bytes. A Reason is
// an error; every error this package returns matches exactly one with errors.Is.
type Reason uint8

const (
	reasonUnknown Reason = iota
	reasonMalformed
	reasonTooLarge
	reasonBadBase64
	reasonBadJSON
	reasonDuplicateMember
	reasonAlgNotAllowed
	reasonUnsupportedHeader
	reasonUnknownKid
	reasonNoMatchingKey
	reasonAmbiguousKey
	reasonBadSignature
	reasonMissingExp
	reasonBadTimeClaim
	reasonExpired
	reasonNotYetValid
	reasonIssuedInFuture
	reasonWrongIssuer
	reasonWrongAudience
	reasonWrongType
	reasonBadClaim
	reasonKeySetEmpty
	reasonBadJWKS
	reasonSubjectNotAllowed
	reasonMissingIat
	reasonLifetimeTooLong
	reasonCount
)

var reasonText = [reasonCount]struct{ name, description string }{
	reasonUnknown:           {"verification_failed", "the token could not be verified"},
	reasonMalformed:         {"malformed_token", "the token is not a compact JWS of three segments"},
	reasonTooLarge:          {"token_too_large", "the token is larger than allowed"},
	reasonBadBase64:         {"bad_base64", "a token segment is not canonical unpadded base64url"},
	reasonBadJSON:           {"bad_json", "the token header or payload is not a JSON object"},
	reasonDuplicateMember:   {"duplicate_member", "the token repeats a JSON member name"},
	reasonAlgNotAllowed:     {"alg_not_allowed", "the token's algorithm is not allowed"},
	reasonUnsupportedHeader: {"unsupported_header", "the token header uses crit or b64, which are not supported"},
	reasonUnknownKid:        {"unknown_kid", "no key in the key set has the token's kid"},
	reasonNoMatchingKey:     {"no_matching_key", "no single key in the key set fits the token"},
	reasonAmbiguousKey:      {"ambiguous_key", "more than one key in the key set fits the token's kid"},
	reasonBadSignature:      {"bad_signature", "the token's signature does not verify"},
	reasonMissingExp:        {"missing_exp", "the token has no expiration time"},
	reasonBadTimeClaim:      {"bad_time_claim", "exp, nbf or iat is not a valid NumericDate"},
	reasonExpired:           {"token_expired", "the token has expired"},
	reasonNotYetValid:       {"token_not_yet_valid", "the token is not valid yet"},
	reasonIssuedInFuture:    {"issued_in_future", "the token was issued in the future"},
	reasonWrongIssuer:       {"wrong_issuer", "the token's issuer is not the expected one"},
	reasonWrongAudience:     {"wrong_audience", "the token is not meant for this audience"},
	reasonWrongType:         {"wrong_type", "the token's typ is not the expected one"},
	reasonBadClaim:          {"bad_claim", "a claim has the wrong JSON type"},
	reasonKeySetEmpty:       {"key_set_empty", "the key set has no usable key"},
	reasonBadJWKS:           {"bad_jwks", "the key set is not a JSON Web Key Set"},
	reasonSubjectNotAllowed: {"subject_not_allowed", "the token's subject is not allowed"},
	reasonMissingIat:        {"missing_iat", "the token has no issued-at time"},
	reasonLifetimeTooLong:   {"lifetime_too_long", "the token's lifetime is longer than allowed"},
}

// The catalogue as errors, for errors.Is.
var (
	ErrMalformed         error = reasonMalformed
	ErrTokenTooLarge     error = reasonTooLarge
	ErrBadBase64         error = reasonBadBase64
	ErrBadJSON           error = reasonBadJSON
	ErrDuplicateMember   error = reasonDuplicateMember
	ErrAlgNotAllowed     error = reasonAlgNotAllowed
	ErrUnsupportedHeader error = reasonUnsupportedHeader
	ErrUnknownKid        error = reasonUnknownKid
	ErrNoMatchingKey     error = reasonNoMatchingKey
	ErrAmbiguousKey      error = reasonAmbiguousKey
	ErrBadSignature      error = reasonBadSignature
	ErrMissingExp        error = reasonMissingExp
	ErrBadTimeClaim      error = reasonBadTimeClaim
	ErrExpired           error = reasonExpired
	ErrNotYetValid       error = reasonNotYetValid
	ErrIssuedInFuture    error = reasonIssuedInFuture
	ErrWrongIssuer       error = reasonWrongIssuer
	ErrWrongAudience     error = reasonWrongAudience
	ErrWrongType         error = reasonWrongType
	ErrBadClaim          error = reasonBadClaim
	ErrKeySetEmpty       error = reasonKeySetEmpty
	ErrBadJWKS           error = reasonBadJWKS
	ErrSubjectNotAllowed error = reasonSubjectNotAllowed
	ErrMissingIat        error = reasonMissingIat
	ErrLifetimeTooLong   error = reasonLifetimeTooLong
)

func (r Reason) valid() bool { return r < reasonCount }

// Name is the reason's stable machine name.
func (r Reason) Name() string {
	if !r.valid() {
		r = reasonUnknown
	}
	return reasonText[r].name
}

// Description is a short human explanation; it never contains the token.
func (r Reason) Description() string {
	if !r.valid() {
		r = reasonUnknown
	}
	return reasonText[r].description
}

func (r Reason) Error() string { return r.Description() }

// ReasonOf returns the reason carried by err; a nil or foreign error gives the generic
// "verification_failed".
func ReasonOf(err error) Reason {
	var r Reason
	if errors.As(err, &r) && r.valid() {
		return r
	}
	var d *detailedError
	if errors.As(err, &d) {
		return d.reason
	}
	return reasonUnknown
}

// Reasons is the whole catalogue, so that a caller can define one counter per reason.
func Reasons() []Reason {
	out := make([]Reason, 0, reasonCount)
	for r := Reason(0); r < reasonCount; r++ {
		out = append(out, r)
	}
	return out
}

// detailedError adds a detail about a key set (never about a token) to a reason.
type detailedError struct {
	reason Reason
	detail string
}

func (e *detailedError) Error() string { return e.reason.Description() + ": " + e.detail }
func (e *detailedError) Unwrap() error { return e.reason }

func withDetail(r Reason, detail string) error { return &detailedError{reason: r, detail: detail} }
