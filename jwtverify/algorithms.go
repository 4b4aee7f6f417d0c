package jwtverify

import "crypto"

// Algorithm is a JWS signature algorithm this package verifies (RFC 7518 §3.1, RFC 8037 §3.1).
// Only asymmetric ones exist here: "none" and the HMAC family are refused by construction,
// which removes algorithm confusion with a public key used as an HMAC secret.
type Algorithm uint8

// The values of RS256 and ES256 predate the others and are kept.
const (
	RS256 Algorithm = iota + 1 // RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3)
	ES256                      // ECDSA P-256 with SHA-256 (RFC 7518 §3.4)
	RS384                      // RSASSA-PKCS1-v1_5 with SHA-384
	RS512                      // RSASSA-PKCS1-v1_5 with SHA-512
	PS256                      // RSASSA-PSS, SHA-256, MGF1 with SHA-256, 32-byte salt (RFC 7518 §3.5)
	PS384                      // RSASSA-PSS, SHA-384, MGF1 with SHA-384, 48-byte salt
	PS512                      // RSASSA-PSS, SHA-512, MGF1 with SHA-512, 64-byte salt
	ES384                      // ECDSA P-384 with SHA-384
	ES512                      // ECDSA P-521 with SHA-512
	EdDSA                      // Ed25519 (RFC 8037 §3.1; Ed448 is not supported)
	algorithmEnd
)

// family is how an algorithm signs, which fixes the key type it needs.
type family uint8

const (
	familyRSA   family = iota + 1 // RS* and PS*: kty RSA
	familyECDSA                   // ES*: kty EC, one curve each
	familyEdDSA                   // EdDSA: kty OKP, crv Ed25519
)

// algInfo is what the verifier needs of an algorithm: the exact "alg" text, the family, the
// hash (0 for EdDSA, which hashes internally), whether RSA uses PSS, and for ECDSA the curve.
var algInfo = [algorithmEnd]struct {
	name   string
	family family
	hash   crypto.Hash
	pss    bool
	curve  curveID
}{
	RS256: {"RS256", familyRSA, crypto.SHA256, false, 0},
	RS384: {"RS384", familyRSA, crypto.SHA384, false, 0},
	RS512: {"RS512", familyRSA, crypto.SHA512, false, 0},
	PS256: {"PS256", familyRSA, crypto.SHA256, true, 0},
	PS384: {"PS384", familyRSA, crypto.SHA384, true, 0},
	PS512: {"PS512", familyRSA, crypto.SHA512, true, 0},
	ES256: {"ES256", familyECDSA, crypto.SHA256, false, curveP256},
	ES384: {"ES384", familyECDSA, crypto.SHA384, false, curveP384},
	ES512: {"ES512", familyECDSA, crypto.SHA512, false, curveP521},
	EdDSA: {"EdDSA", familyEdDSA, 0, false, 0},
}

// Algorithms lists every supported algorithm, in catalogue order.
func Algorithms() []Algorithm {
	return []Algorithm{RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}
}

func (a Algorithm) valid() bool { return a != 0 && a < algorithmEnd }

// String is the algorithm's "alg" value.
func (a Algorithm) String() string {
	if !a.valid() {
		return ""
	}
	return algInfo[a].name
}

// ParseAlgorithm maps an "alg" value to an Algorithm. The match is exact and case-sensitive
// (RFC 7515 §4.1.1: alg is a case-sensitive string), so "none", "None", "rs256" are refused.
func ParseAlgorithm(name string) (Algorithm, bool) {
	for a := Algorithm(1); a < algorithmEnd; a++ {
		if algInfo[a].name == name {
			return a, true
		}
	}
	return 0, false
}

// AlgorithmSet is an allow-list of algorithms.
type AlgorithmSet uint16

// NewAlgorithmSet returns the set of algs.
func NewAlgorithmSet(algs ...Algorithm) AlgorithmSet {
	var s AlgorithmSet
	for _, a := range algs {
		if a.valid() {
			s |= 1 << a
		}
	}
	return s
}

// Has reports whether a is in the set.
func (s AlgorithmSet) Has(a Algorithm) bool { return a.valid() && s&(1<<a) != 0 }

// AllAlgorithms is every supported algorithm.
var AllAlgorithms = NewAlgorithmSet(Algorithms()...)

// DefaultAlgorithms is what a provider accepts when its configuration lists none: every
// supported algorithm but ES512. The allow-list of RFC 8725 §3.1 exists to stop algorithm
// confusion — "none", an HMAC keyed with a public key, one key read as another type — and
// those are excluded here by construction: no symmetric algorithm exists in this package, and
// a key verifies only the algorithms its JWK "alg", type and curve allow (Key.fits). ES512 is
// left out for cost, not strength: P-521 has no fast field arithmetic in wasm, so one forged
// token naming a published P-521 key costs a worker tens of times an ES256 verification
// (config/REFERENCE.md, algorithms, gives the measurement); providers whose IdP signs with it
// list it.
var DefaultAlgorithms = AllAlgorithms &^ NewAlgorithmSet(ES512)
