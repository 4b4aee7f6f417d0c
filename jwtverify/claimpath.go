package jwtverify

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Bounds of a claim path. Real paths are one to three members deep (Keycloak's
// resource_access.<client>.roles is the deepest in common use); the bounds keep a path's
// lookup cost, and what a configuration can ask of a hostile token, small.
const (
	MaxClaimPathSegments = 8   // members in one path
	MaxClaimPathBytes    = 512 // bytes of all its member names together
)

// ClaimPath names a claim, possibly nested in objects: ["realm_access", "roles"] is the
// member "roles" of the object claim "realm_access". Its segments are member names, compared
// byte for byte after JSON unescaping (no case folding, no Unicode normalization: a look-alike
// name is another name). A path never indexes arrays. Build one with ParseClaimPath or
// NewClaimPath; the zero ClaimPath names nothing.
type ClaimPath struct {
	segs []string
}

// ParseClaimPath reads the dotted form "realm_access.roles": segments separated by '.', none
// empty. A member whose name holds a '.' (Auth0's "https://example.com/roles") cannot be
// written this way; NewClaimPath takes the segments as they are. problem is "" or what is
// wrong, for the configuration's message.
func ParseClaimPath(s string) (p ClaimPath, problem string) {
	if s == "" {
		return ClaimPath{}, "must not be empty"
	}
	return NewClaimPath(strings.Split(s, "."))
}

// NewClaimPath makes a path of the given member names, taken verbatim (dots and slashes
// included). problem is "" or what is wrong.
func NewClaimPath(segs []string) (p ClaimPath, problem string) {
	if len(segs) == 0 {
		return ClaimPath{}, "must name at least one member"
	}
	if len(segs) > MaxClaimPathSegments {
		return ClaimPath{}, "has " + strconv.Itoa(len(segs)) + " members, more than " + strconv.Itoa(MaxClaimPathSegments)
	}
	n := 0
	for _, s := range segs {
		if s == "" {
			return ClaimPath{}, "has an empty member name"
		}
		n += len(s)
	}
	if n > MaxClaimPathBytes {
		return ClaimPath{}, "is longer than " + strconv.Itoa(MaxClaimPathBytes) + " bytes"
	}
	return ClaimPath{segs: append([]string(nil), segs...)}, ""
}

// Segments are the member names of the path, outermost first. The caller must not modify them.
func (p ClaimPath) Segments() []string { return p.segs }

// String is the path as a person writes it: the dotted form when no member name holds a '.',
// otherwise the JSON array of names. It names the claim in logs and the access log.
func (p ClaimPath) String() string {
	dotted := true
	for _, s := range p.segs {
		if strings.IndexByte(s, '.') >= 0 {
			dotted = false
			break
		}
	}
	if dotted {
		return strings.Join(p.segs, ".")
	}
	b := []byte{'['}
	for i, s := range p.segs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, s)
	}
	return string(append(b, ']'))
}

// Lookup is what a claim path finds in a token.
type Lookup uint8

const (
	// ClaimAbsent: a member on the path does not exist, or an enclosing value is not an
	// object (a path never reads into arrays or strings).
	ClaimAbsent Lookup = iota
	// ClaimFound: the value exists (it may be JSON null; callers decide what null means).
	ClaimFound
	// ClaimAmbiguous: an object on the path names the member twice. The top level of a
	// payload never does (Parse refuses it); nested objects are not checked at Parse, so the
	// lookup does: parsers disagree on which copy wins (RFC 8259 §4), so the claim has no one
	// value, and callers must treat it as failing every test, "absent" included.
	ClaimAmbiguous
)

// Claim returns the value at path p. Like every claim read, it describes a token whose
// signature may not have been checked yet: callers use it only after VerifySignature. It
// allocates only for member names written with JSON escapes.
func (t *Token) Claim(p ClaimPath) (gjson.Result, Lookup) {
	if len(p.segs) == 0 {
		return gjson.Result{}, ClaimAbsent
	}
	var v gjson.Result
	found := false
	for _, m := range t.claims {
		if m.Name == p.segs[0] {
			v, found = m.Value, true
			break
		}
	}
	if !found {
		return gjson.Result{}, ClaimAbsent
	}
	for _, seg := range p.segs[1:] {
		if !v.IsObject() {
			return gjson.Result{}, ClaimAbsent
		}
		var next gjson.Result
		count := 0
		v.ForEach(func(key, value gjson.Result) bool {
			if key.Str == seg {
				next = value
				count++
			}
			return count < 2
		})
		switch count {
		case 0:
			return gjson.Result{}, ClaimAbsent
		case 2:
			return gjson.Result{}, ClaimAmbiguous
		}
		v = next
	}
	return v, ClaimFound
}
