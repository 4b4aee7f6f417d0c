package jwtverify

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/internal/strictjson"
)

// Limits on RSA keys. Below 2048 bits RSA is too weak (NIST SP 800-131A); above 16384 bits a
// key only serves to make each verification slow, which an IdP never needs. The public
// exponent must be odd, at least 3 and fit in 31 bits (what crypto/rsa accepts); e = 1 would
// make every "signature" equal to its own message.
const (
	minRSABits  = 2048
	maxRSABits  = 16384
	maxExponent = 1<<31 - 1
)

// MaxJWKSKeys bounds how many keys a set may list, so that a hostile or broken document
// cannot make parsing or selection expensive.
const MaxJWKSKeys = 1000

// Key is one usable public key of a set.
type Key struct {
	kid    string
	hasKid bool
	alg    Algorithm // 0: the JWK has no "alg"; the key fits any algorithm of its type and curve
	id     KeyID
	rsa    *rsaKey // for RS* and PS*; nil for other key types
	ec     *ecdsa.PublicKey
	curve  curveID      // of ec
	p256   p256Verifier // for a P-256 key: this build's precomputation (p256_dispatch_*.go)
	ed     ed25519.PublicKey
}

// fits reports whether the key may verify alg (RFC 8725 §3.1, one key, its algorithms): a
// key that names its algorithm names this one (RFC 7517 §4.4); otherwise the key's type and
// curve decide — an RSA key serves RS* and PS*, an EC key the one ES* of its curve
// (RFC 7518 §3.4), an Ed25519 key EdDSA.
func (k *Key) fits(alg Algorithm) bool {
	if !alg.valid() || (k.alg != 0 && k.alg != alg) {
		return false
	}
	switch info := algInfo[alg]; info.family {
	case familyRSA:
		return k.rsa != nil
	case familyECDSA:
		return k.ec != nil && k.curve == info.curve
	case familyEdDSA:
		return k.ed != nil
	}
	return false
}

// KeyID identifies one key: its kid and its RFC 7638 thumbprint, so that a kid re-published
// with other material is a different key.
type KeyID string

// SkippedKey is a JWK of the set that was not usable, and why.
type SkippedKey struct {
	Index  int
	Kid    string
	Reason string
}

// KeySet is a parsed JWK Set. It is immutable after ParseJWKS and safe to share.
type KeySet struct {
	keys    []*Key
	byKid   map[string][]*Key
	ids     map[KeyID]struct{}
	skipped []SkippedKey
}

// Len is the number of usable keys.
func (ks *KeySet) Len() int { return len(ks.keys) }

// Skipped lists the keys that were not usable.
func (ks *KeySet) Skipped() []SkippedKey { return ks.skipped }

// Contains reports whether the key id is in the set.
func (ks *KeySet) Contains(id KeyID) bool {
	_, ok := ks.ids[id]
	return ok
}

var b64url = base64.RawURLEncoding.Strict()

// ParseJWKS parses an RFC 7517 JWK Set. Keys that cannot be used (use other than "sig",
// key_ops without "verify", unsupported kty, crv or alg, malformed or weak material) are
// skipped one by one with a reason; a set left with no usable key is an error
// (ErrKeySetEmpty), and so is a document that is not a JWK Set (ErrBadJWKS).
func ParseJWKS(doc []byte) (*KeySet, error) {
	if problem := strictjson.Problem(doc); problem != "" {
		return nil, withDetail(reasonBadJWKS, problem)
	}
	root := gjson.ParseBytes(doc)
	if !root.IsObject() {
		return nil, withDetail(reasonBadJWKS, "not a JSON object")
	}
	if dup, found := strictjson.DuplicateMember(root); found {
		return nil, withDetail(reasonBadJWKS, "member "+strconv.Quote(dup)+" appears twice")
	}
	list := root.Get("keys")
	if !list.IsArray() {
		return nil, withDetail(reasonBadJWKS, `"keys" must be an array`)
	}
	ks := &KeySet{byKid: map[string][]*Key{}, ids: map[KeyID]struct{}{}}
	index := 0
	var tooMany bool
	list.ForEach(func(_, jwk gjson.Result) bool {
		if index >= MaxJWKSKeys {
			tooMany = true
			return false
		}
		k, why := parseJWK(jwk)
		if why != "" {
			kid := jwk.Get("kid")
			ks.skipped = append(ks.skipped, SkippedKey{Index: index, Kid: kid.String(), Reason: why})
		} else {
			ks.keys = append(ks.keys, k)
			if k.hasKid {
				ks.byKid[k.kid] = append(ks.byKid[k.kid], k)
			}
			ks.ids[k.id] = struct{}{}
		}
		index++
		return true
	})
	if tooMany {
		return nil, withDetail(reasonBadJWKS, "more than "+strconv.Itoa(MaxJWKSKeys)+" keys")
	}
	if len(ks.keys) == 0 {
		return nil, withDetail(reasonKeySetEmpty, strconv.Itoa(len(ks.skipped))+" keys, none usable")
	}
	return ks, nil
}

// parseJWK returns a usable key, or why the JWK is not one.
func parseJWK(jwk gjson.Result) (*Key, string) {
	if !jwk.IsObject() {
		return nil, "not a JSON object"
	}
	if dup, found := strictjson.DuplicateMember(jwk); found {
		return nil, "member " + strconv.Quote(dup) + " appears twice"
	}
	k := &Key{}
	if kid := jwk.Get("kid"); kid.Exists() {
		if kid.Type != gjson.String {
			return nil, "kid is not a string"
		}
		k.kid, k.hasKid = kid.Str, true
	}
	if use := jwk.Get("use"); use.Exists() && (use.Type != gjson.String || use.Str != "sig") {
		return nil, `use is not "sig"`
	}
	if ops := jwk.Get("key_ops"); ops.Exists() {
		if !ops.IsArray() {
			return nil, "key_ops is not an array"
		}
		verify := false
		for _, op := range ops.Array() {
			if op.Type == gjson.String && op.Str == "verify" {
				verify = true
			}
		}
		if !verify {
			return nil, `key_ops lacks "verify"`
		}
	}
	if alg := jwk.Get("alg"); alg.Exists() {
		a, ok := ParseAlgorithm(alg.String())
		if alg.Type != gjson.String || !ok {
			return nil, "unsupported alg"
		}
		k.alg = a
	}
	kty := jwk.Get("kty")
	if kty.Type != gjson.String {
		return nil, "kty missing or not a string"
	}
	var thumbprint string
	var why string
	switch kty.Str {
	case "RSA":
		thumbprint, why = k.setRSA(jwk)
	case "EC":
		thumbprint, why = k.setEC(jwk)
	case "OKP":
		thumbprint, why = k.setOKP(jwk)
	default:
		return nil, "unsupported kty"
	}
	if why != "" {
		return nil, why
	}
	sum := sha256.Sum256([]byte(thumbprint)) // RFC 7638 (RFC 8037 §2 for OKP) JWK thumbprint
	k.id = KeyID(k.kid + " " + b64url.EncodeToString(sum[:]))
	return k, ""
}

// decodeMember decodes a base64url member that must be present and non-empty.
func decodeMember(jwk gjson.Result, name string) ([]byte, string) {
	v := jwk.Get(name)
	if v.Type != gjson.String || v.Str == "" {
		return nil, name + " missing or not a string"
	}
	b, err := b64url.DecodeString(v.Str)
	if err != nil {
		return nil, name + " is not unpadded base64url"
	}
	return b, ""
}

// setRSA reads an RSA key (RFC 7518 §6.3.1) into k and returns its RFC 7638 thumbprint input.
func (k *Key) setRSA(jwk gjson.Result) (string, string) {
	if k.alg != 0 && algInfo[k.alg].family != familyRSA {
		return "", "alg " + k.alg.String() + " does not fit kty RSA"
	}
	pub, why := parseRSA(jwk)
	if why != "" {
		return "", why
	}
	pub.v = newRSAVerifier(pub.n, pub.e)
	k.rsa = pub
	return `{"e":"` + b64url.EncodeToString(big.NewInt(int64(pub.e)).Bytes()) + `","kty":"RSA","n":"` + b64url.EncodeToString(pub.n.Bytes()) + `"}`, ""
}

func parseRSA(jwk gjson.Result) (*rsaKey, string) {
	nb, why := decodeMember(jwk, "n")
	if why != "" {
		return nil, why
	}
	eb, why := decodeMember(jwk, "e")
	if why != "" {
		return nil, why
	}
	n := new(big.Int).SetBytes(nb)
	if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, "RSA modulus of " + strconv.Itoa(bits) + " bits (allowed: 2048 to 16384)"
	}
	if n.Bit(0) == 0 {
		return nil, "RSA modulus is even"
	}
	if len(eb) > 4 {
		return nil, "RSA exponent too large"
	}
	e := new(big.Int).SetBytes(eb)
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > maxExponent || e.Bit(0) == 0 {
		return nil, "RSA exponent must be odd, at least 3 and below 2^31"
	}
	if rocaFingerprint(n) {
		return nil, "RSA modulus has the ROCA fingerprint (CVE-2017-15361)"
	}
	return &rsaKey{n: n, e: int(e.Int64())}, ""
}

// rocaPrimes and the generator 65537 are the fingerprint of RSA keys made by the Infineon
// library affected by ROCA (CVE-2017-15361, Nemec et al. 2017): such a modulus, reduced
// modulo each of these primes, lies in the subgroup generated by 65537. A random modulus
// passes all of them with negligible probability. The vulnerable keys can be factored, so
// a token "signed" with one proves nothing.
var rocaPrimes = []int64{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
	79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167}

func rocaFingerprint(n *big.Int) bool {
	var r big.Int
	for _, p := range rocaPrimes {
		residue := r.Mod(n, big.NewInt(p)).Int64()
		g, x := 65537%p, int64(1)
		found := false
		for i := int64(0); i < p; i++ {
			if x == residue {
				found = true
				break
			}
			x = x * g % p
		}
		if !found {
			return false
		}
	}
	return true
}
