package strictjson

import (
	"strconv"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Object reads doc, which must be a JSON object, in one pass: it applies every rule of
// Problem (UTF-8, MaxNesting, gjson's grammar) and appends the object's members to dst as
// Members would, with values equal to the ones gjson's ForEach gives (Type, Raw, Str, Num).
// ok is false when doc breaks a rule or is not an object; otherwise hasDup reports a member
// name that appears twice, and dup is the first such name.
//
// It exists for the one document read on every new token, the token's header and payload:
// Problem then Members walks it four times (utf8.Valid, TooDeep, gjson.ValidBytes,
// ForEach), which in wasm was a third of parsing a token (issue 19). Other documents (key
// sets, configuration) keep the two-step form; TestObjectAgreesWithProblemAndMembers holds
// both to the same verdicts.
func Object(dst []Member, doc string) (members []Member, dup string, hasDup, ok bool) {
	start := len(dst)
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return dst, "", false, false
	}
	if i = skipSpace(doc, i+1); i < len(doc) && doc[i] == '}' {
		return dst, "", false, skipSpace(doc, i+1) == len(doc)
	}
	var names memberNames
	for {
		dst = append(dst, Member{})
		m := &dst[len(dst)-1]
		end, good := readMember(m, doc, i)
		if !good {
			return dst[:len(dst)-1], "", false, false
		}
		if hasDup || names.seen(dst[start:len(dst)-1], m.Name) {
			if !hasDup {
				dup, hasDup = m.Name, true
			}
			dst = dst[:len(dst)-1]
		}
		next, more, good := separator(doc, end, '}')
		switch {
		case !good || !more && skipSpace(doc, next) != len(doc):
			return dst, "", false, false
		case !more:
			return dst, dup, hasDup, true
		}
		i = next
	}
}

// readMember reads `"name" : value` at doc[i] into m and returns where it ends.
func readMember(m *Member, doc string, i int) (end int, ok bool) {
	kEnd, esc, j, ok := memberName(doc, i)
	if !ok {
		return 0, false
	}
	m.Name = doc[i+1 : kEnd-1]
	if esc {
		m.Name = gjson.Parse(doc[i:kEnd]).Str
	}
	v := &m.Value
	if j < len(doc) && doc[j] == '"' {
		if end, esc, ok = scanString(doc, j); !ok {
			return 0, false
		}
		v.Type, v.Raw = gjson.String, doc[j:end]
		if esc {
			v.Str = gjson.Parse(v.Raw).Str
		} else {
			v.Str = doc[j+1 : end-1]
		}
		return end, true
	}
	if end, ok = skipValue(doc, j, 2); !ok {
		return 0, false
	}
	setResult(v, doc[j:end])
	return end, true
}

// memberName checks `"name" :` at doc[i] and returns the end of the name's string, whether
// it has escapes, and where the value starts.
func memberName(doc string, i int) (kEnd int, esc bool, value int, ok bool) {
	if i >= len(doc) || doc[i] != '"' {
		return 0, false, 0, false
	}
	if kEnd, esc, ok = scanString(doc, i); !ok {
		return 0, false, 0, false
	}
	j := skipSpace(doc, kEnd)
	if j >= len(doc) || doc[j] != ':' {
		return 0, false, 0, false
	}
	return kEnd, esc, skipSpace(doc, j+1), true
}

// setResult sets v (zero) to the gjson value of raw, a value other than a string that
// skipValue accepted, as gjson's parseAny builds it; only a non-integer number needs strconv.
func setResult(v *gjson.Result, raw string) {
	v.Raw = raw
	switch raw[0] {
	case '{', '[':
		v.Type = gjson.JSON
	case 't':
		v.Type = gjson.True
	case 'f':
		v.Type = gjson.False
	case 'n':
		v.Type = gjson.Null
	default:
		v.Type, v.Num = gjson.Number, number(raw)
	}
}

// number is strconv.ParseFloat's value of a JSON number (gjson ignores its error, so an
// overflow is ±Inf): a plain integer of up to 15 digits is exact in a float64 and read
// directly, as every NumericDate is.
func number(raw string) float64 {
	digits := raw
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) <= 15 {
		var n int64
		for k := 0; k < len(digits); k++ {
			c := digits[k]
			if c < '0' || c > '9' {
				return parseFloat(raw)
			}
			n = n*10 + int64(c-'0')
		}
		if raw[0] == '-' {
			if n == 0 {
				return parseFloat(raw) // -0
			}
			return -float64(n)
		}
		return float64(n)
	}
	return parseFloat(raw)
}

// skipValue checks the value at doc[i], at the given nesting depth, and returns its end.
func skipValue(doc string, i, depth int) (int, bool) {
	if i >= len(doc) {
		return i, false
	}
	switch doc[i] {
	case '"':
		end, _, ok := scanString(doc, i)
		return end, ok
	case '{':
		return skipObject(doc, i, depth)
	case '[':
		return skipArray(doc, i, depth)
	case 't':
		return literal(doc, i, "true")
	case 'f':
		return literal(doc, i, "false")
	case 'n':
		return literal(doc, i, "null")
	}
	return scanNumber(doc, i)
}

// skipObject checks the object at doc[i] (depth counts it) and returns its end.
func skipObject(doc string, i, depth int) (int, bool) {
	if depth > MaxNesting {
		return i, false
	}
	if i = skipSpace(doc, i+1); i < len(doc) && doc[i] == '}' {
		return i + 1, true
	}
	for {
		_, _, value, ok := memberName(doc, i)
		if !ok {
			return i, false
		}
		if i, ok = skipValue(doc, value, depth+1); !ok {
			return i, false
		}
		var more bool
		if i, more, ok = separator(doc, i, '}'); !ok || !more {
			return i, ok
		}
	}
}

// skipArray checks the array at doc[i] (depth counts it) and returns its end.
func skipArray(doc string, i, depth int) (int, bool) {
	if depth > MaxNesting {
		return i, false
	}
	if i = skipSpace(doc, i+1); i < len(doc) && doc[i] == ']' {
		return i + 1, true
	}
	for {
		var ok, more bool
		if i, ok = skipValue(doc, i, depth+1); !ok {
			return i, false
		}
		if i, more, ok = separator(doc, i, ']'); !ok || !more {
			return i, ok
		}
	}
}

// separator reads what follows a member or element that ends at doc[i]: a comma (more: next
// is where the following one starts) or closer (next is just past it).
func separator(doc string, i int, closer byte) (next int, more, ok bool) {
	if i = skipSpace(doc, i); i >= len(doc) {
		return i, false, false
	}
	switch doc[i] {
	case ',':
		return skipSpace(doc, i+1), true, true
	case closer:
		return i + 1, false, true
	}
	return i, false, false
}

// scanString checks the string whose quote is doc[i] (RFC 8259 §7: no control characters,
// only the defined escapes; §8.1: UTF-8) and returns its end and whether it has escapes.
func scanString(doc string, i int) (end int, esc, ok bool) {
	j := i + 1
	for {
		for j < len(doc) && plainStringByte[doc[j]] {
			j++
		}
		if j >= len(doc) {
			return j, false, false
		}
		switch c := doc[j]; {
		case c == '"':
			return j + 1, esc, true
		case c == '\\':
			n := escapeLen(doc, j)
			if n == 0 {
				return j, false, false
			}
			esc = true
			j += n
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(doc[j:])
			if r == utf8.RuneError && size == 1 {
				return j, false, false
			}
			j += size
		default: // a control character
			return j, false, false
		}
	}
}

// escapeLen is the length of the valid escape at doc[j] ('\\'), or 0.
func escapeLen(doc string, j int) int {
	if j+1 >= len(doc) {
		return 0
	}
	switch doc[j+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if j+5 >= len(doc) {
			return 0
		}
		for k := j + 2; k < j+6; k++ {
			if !isHex(doc[k]) {
				return 0
			}
		}
		return 6
	}
	return 0
}

// scanNumber checks the number at doc[i] (RFC 8259 §6) and returns its end.
func scanNumber(doc string, i int) (int, bool) {
	if doc[i] == '-' {
		i++
	}
	switch {
	case i < len(doc) && doc[i] == '0':
		i++
	case i < len(doc) && isDigit(doc[i]):
		i = skipDigits(doc, i)
	default:
		return i, false
	}
	if i < len(doc) && doc[i] == '.' {
		if i+1 >= len(doc) || !isDigit(doc[i+1]) {
			return i, false
		}
		i = skipDigits(doc, i+1)
	}
	if i < len(doc) && (doc[i] == 'e' || doc[i] == 'E') {
		i++
		if i < len(doc) && (doc[i] == '+' || doc[i] == '-') {
			i++
		}
		if i >= len(doc) || !isDigit(doc[i]) {
			return i, false
		}
		i = skipDigits(doc, i)
	}
	return i, true
}

// parseFloat is gjson's reading of a number: the error is dropped, so an overflow is ±Inf.
func parseFloat(raw string) float64 {
	f, _ := strconv.ParseFloat(raw, 64)
	return f
}

func literal(doc string, i int, word string) (int, bool) {
	if len(doc)-i < len(word) || doc[i:i+len(word)] != word {
		return i, false
	}
	return i + len(word), true
}

func skipDigits(doc string, i int) int {
	for i < len(doc) && isDigit(doc[i]) {
		i++
	}
	return i
}

// skipSpace skips JSON's four whitespace bytes (RFC 8259 §2).
func skipSpace(doc string, i int) int {
	for i < len(doc) {
		switch doc[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		}
		break
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// plainStringByte marks the bytes a string may hold as they are: printable ASCII but the
// quote and the backslash (DEL is allowed, as RFC 8259 §7 and gjson allow it).
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
