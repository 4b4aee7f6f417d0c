package strictjson

import (
	"strconv"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Object reads doc, which must be a JSON object, in one pass: it applies every rule of
// Problem (UTF-8, MaxNesting, gjson's grammar) and appends the object's members to dst as
// Members would, with values equal to the ones gjson's ForEach gives (Type, Raw, Str, Num).
// ok is false when doc breaks a rule or is not an object; otherwise dup is the first member
// name that appears twice, or "".
//
// It exists for the one document read on every new token, the token's header and payload:
// Problem then Members walks it four times (utf8.Valid, TooDeep, gjson.ValidBytes,
// ForEach), which in wasm was a third of parsing a token (issue 19). Other documents (key
// sets, configuration) keep the two-step form; TestObjectAgreesWithProblemAndMembers holds
// both to the same verdicts.
func Object(dst []Member, doc string) (members []Member, dup string, ok bool) {
	start := len(dst)
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return dst, "", false
	}
	if i = skipSpace(doc, i+1); i < len(doc) && doc[i] == '}' {
		return dst, "", skipSpace(doc, i+1) == len(doc)
	}
	var seen map[string]struct{}
	for {
		name, v, end, good := member(doc, i)
		if !good {
			return dst, "", false
		}
		if dup == "" {
			if isDuplicate(dst[start:], seen, name) {
				dup = name
			} else {
				dst = append(dst, Member{Name: name, Value: v})
				seen = growSeen(dst[start:], seen, name)
			}
		}
		i = skipSpace(doc, end)
		if i >= len(doc) {
			return dst, "", false
		}
		switch doc[i] {
		case ',':
			i = skipSpace(doc, i+1)
			continue
		case '}':
			if skipSpace(doc, i+1) != len(doc) {
				return dst, "", false
			}
			return dst, dup, true
		}
		return dst, "", false
	}
}

// isDuplicate looks name up among the members read so far: a linear scan for the handful a
// token has, the map once there are more (see Members).
func isDuplicate(read []Member, seen map[string]struct{}, name string) bool {
	if seen != nil {
		_, ok := seen[name]
		return ok
	}
	for _, m := range read {
		if m.Name == name {
			return true
		}
	}
	return false
}

// growSeen keeps the map of names once a document has more than 16 members.
func growSeen(read []Member, seen map[string]struct{}, name string) map[string]struct{} {
	switch {
	case seen != nil:
		seen[name] = struct{}{}
	case len(read) > 16:
		seen = make(map[string]struct{}, 2*len(read))
		for _, m := range read {
			seen[m.Name] = struct{}{}
		}
	}
	return seen
}

// member reads `"name" : value` at doc[i] and returns where it ends.
func member(doc string, i int) (name string, v gjson.Result, end int, ok bool) {
	if i >= len(doc) || doc[i] != '"' {
		return "", v, 0, false
	}
	kEnd, esc, ok := scanString(doc, i)
	if !ok {
		return "", v, 0, false
	}
	name = doc[i+1 : kEnd-1]
	if esc {
		name = gjson.Parse(doc[i:kEnd]).Str
	}
	j := skipSpace(doc, kEnd)
	if j >= len(doc) || doc[j] != ':' {
		return "", v, 0, false
	}
	j = skipSpace(doc, j+1)
	if j < len(doc) && doc[j] == '"' {
		end, esc, ok = scanString(doc, j)
		if !ok {
			return "", v, 0, false
		}
		return name, stringResult(doc[j:end], esc), end, true
	}
	end, ok = skipValue(doc, j, 2)
	if !ok {
		return "", v, 0, false
	}
	return name, result(doc[j:end]), end, true
}

// stringResult is the gjson value of the string raw (quotes included).
func stringResult(raw string, esc bool) gjson.Result {
	if esc {
		return gjson.Result{Type: gjson.String, Raw: raw, Str: gjson.Parse(raw).Str}
	}
	return gjson.Result{Type: gjson.String, Raw: raw, Str: raw[1 : len(raw)-1]}
}

// result is the gjson value of raw, a value other than a string that skipValue accepted,
// built as gjson's parseAny builds it; only a non-integer number needs strconv.
func result(raw string) gjson.Result {
	switch c := raw[0]; {
	case c == '{' || c == '[':
		return gjson.Result{Type: gjson.JSON, Raw: raw}
	case c == 't':
		return gjson.Result{Type: gjson.True, Raw: raw}
	case c == 'f':
		return gjson.Result{Type: gjson.False, Raw: raw}
	case c == 'n':
		return gjson.Result{Type: gjson.Null, Raw: raw}
	}
	return gjson.Result{Type: gjson.Number, Raw: raw, Num: number(raw)}
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
		if i >= len(doc) || doc[i] != '"' {
			return i, false
		}
		end, _, ok := scanString(doc, i)
		if !ok {
			return i, false
		}
		if i = skipSpace(doc, end); i >= len(doc) || doc[i] != ':' {
			return i, false
		}
		if i, ok = skipValue(doc, skipSpace(doc, i+1), depth+1); !ok {
			return i, false
		}
		if i = skipSpace(doc, i); i >= len(doc) {
			return i, false
		}
		switch doc[i] {
		case ',':
			i = skipSpace(doc, i+1)
			continue
		case '}':
			return i + 1, true
		}
		return i, false
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
		var ok bool
		if i, ok = skipValue(doc, i, depth+1); !ok {
			return i, false
		}
		if i = skipSpace(doc, i); i >= len(doc) {
			return i, false
		}
		switch doc[i] {
		case ',':
			i = skipSpace(doc, i+1)
			continue
		case ']':
			return i + 1, true
		}
		return i, false
	}
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
