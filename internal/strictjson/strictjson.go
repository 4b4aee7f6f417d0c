// Package strictjson holds the JSON rules that jwtguard applies on top of gjson wherever
// it reads untrusted or user-written JSON (tokens, key sets, the configuration).
package strictjson

import (
	"strconv"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Member is one name/value pair of a JSON object; Name is unescaped.
type Member struct {
	Name  string
	Value gjson.Result
}

// Members appends the members of object o to dst, in document order, and returns the first
// member name that appears twice, with found true (then the members appended are
// incomplete). The name alone cannot say it: "" is a member name like any other. JSON
// parsers disagree on which duplicate wins (RFC 8259 §4), so a document with one means
// different things to different readers and is refused (RFC 7515 §5.2 step 4 for JWS
// headers). Names are compared after unescaping, so "exp" and "\u0065xp" are the same
// member. It is one walk of the object: callers read every member they need from the result
// instead of walking the JSON again, which in wasm costs ~3 µs per walk of a token payload.
func Members(dst []Member, o gjson.Result) (members []Member, dup string, found bool) {
	start := len(dst)
	var names memberNames
	o.ForEach(func(key, value gjson.Result) bool {
		name := key.String()
		if names.seen(dst[start:], name) {
			dup, found = name, true
			return false
		}
		dst = append(dst, Member{Name: name, Value: value})
		return true
	})
	return dst, dup, found
}

// memberNames finds duplicate member names for Members and Object: for the handful of
// members a token has, a scan of cheap keys (length, first and last byte) that compares
// names only when their keys match; a map once there are more than 16, which bounds the
// cost for hostile documents with thousands.
type memberNames struct {
	keys   [16]uint32
	byName map[string]struct{}
}

// seen reports whether name is among read (the members before it), and remembers it.
func (n *memberNames) seen(read []Member, name string) bool {
	if n.byName != nil {
		if _, ok := n.byName[name]; ok {
			return true
		}
		n.byName[name] = struct{}{}
		return false
	}
	k := nameKey(name)
	for j, key := range n.keys[:len(read)] {
		if key == k && read[j].Name == name {
			return true
		}
	}
	if len(read) < len(n.keys) {
		n.keys[len(read)] = k
		return false
	}
	n.byName = make(map[string]struct{}, 2*len(read)+2)
	for _, m := range read {
		n.byName[m.Name] = struct{}{}
	}
	n.byName[name] = struct{}{}
	return false
}

func nameKey(name string) uint32 {
	if name == "" {
		return 0
	}
	return uint32(len(name))<<16 | uint32(name[0])<<8 | uint32(name[len(name)-1])
}

// DuplicateMember returns a member name that appears twice in object o, with found true
// (see Members).
func DuplicateMember(o gjson.Result) (dup string, found bool) {
	_, dup, found = Members(nil, o)
	return dup, found
}

// MaxNesting bounds how deep arrays and objects may nest in any document jwtguard reads.
// gjson validates and walks documents recursively: a few megabytes of '[' (a JWKS answer
// may be up to 4 MiB) exhaust the goroutine stack, and a stack overflow is a fatal error
// of the whole VM, not a panic that recover can catch. Real tokens, key sets and
// configurations nest at most 6 levels.
const MaxNesting = 32

// TooDeep reports whether doc nests arrays and objects more than MaxNesting deep. It is a
// single pass that skips strings (and escapes inside them) and stops as soon as the bound
// is exceeded, so it costs no more than gjson's own validation and needs no stack.
func TooDeep(doc []byte) bool {
	depth := 0
	inString := false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > MaxNesting {
				return true
			}
		case ']', '}':
			depth--
		}
	}
	return false
}

// Problem is the check every JSON document jwtguard reads goes through before gjson parses
// it (tokens, key sets, the configuration): UTF-8 (RFC 8259 §8.1; gjson does not check it,
// and parsers differ on invalid bytes, replacing or rejecting them), nesting bounded by
// MaxNesting, then gjson's validation. It returns "" or what is wrong, worded to follow the
// document's name ("the configuration is not valid JSON").
func Problem(doc []byte) string {
	switch {
	case !utf8.Valid(doc):
		return "is not valid UTF-8"
	case TooDeep(doc):
		return "nests arrays and objects more than " + strconv.Itoa(MaxNesting) + " deep"
	case !gjson.ValidBytes(doc):
		return "is not valid JSON"
	}
	return ""
}

// HasControl reports whether s holds an ASCII control character (C0 or DEL), which no
// issuer, claim value, header name or realm may carry: such a value would end up in an HTTP
// header or a log line (RFC 9110 §5.5 forbids CTLs in field values).
func HasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
