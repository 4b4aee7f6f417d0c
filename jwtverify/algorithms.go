package jwtverify

// Algorithm is a JWS signature algorithm this package verifies (RFC 7518 §3.1). Only
// asymmetric ones exist here: "none" and the HMAC family are refused by construction, which
// removes algorithm confusion with a public key used as an HMAC secret.
type Algorithm uint8

const (
	RS256 Algorithm = iota + 1 // RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3)
	ES256                      // ECDSA P-256 with SHA-256 (RFC 7518 §3.4)
)

// String is the algorithm's "alg" value.
func (a Algorithm) String() string {
	switch a {
	case RS256:
		return "RS256"
	case ES256:
		return "ES256"
	}
	return ""
}

// ParseAlgorithm maps an "alg" value to an Algorithm. The match is exact and case-sensitive
// (RFC 7515 §4.1.1: alg is a case-sensitive string), so "none", "None", "rs256" are refused.
func ParseAlgorithm(name string) (Algorithm, bool) {
	switch name {
	case "RS256":
		return RS256, true
	case "ES256":
		return ES256, true
	}
	return 0, false
}

// kty is the JWK key type an algorithm needs (RFC 7518 §6.1).
func (a Algorithm) kty() string {
	if a == ES256 {
		return "EC"
	}
	return "RSA"
}

// AlgorithmSet is an allow-list of algorithms.
type AlgorithmSet uint8

// NewAlgorithmSet returns the set of algs.
func NewAlgorithmSet(algs ...Algorithm) AlgorithmSet {
	var s AlgorithmSet
	for _, a := range algs {
		s |= 1 << a
	}
	return s
}

// Has reports whether a is in the set.
func (s AlgorithmSet) Has(a Algorithm) bool { return a != 0 && s&(1<<a) != 0 }

// DefaultAlgorithms allows RS256 and ES256.
var DefaultAlgorithms = NewAlgorithmSet(RS256, ES256)
