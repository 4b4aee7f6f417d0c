package jwtverify

import (
	"math"
	"strconv"

	"github.com/tidwall/gjson"
)

// ClaimOp is the test a ClaimCondition applies to the claim its path finds.
type ClaimOp uint8

const (
	OpEquals      ClaimOp = iota + 1 // the claim is a scalar equal to Values[0]
	OpOneOf                          // the claim is a scalar equal to one of Values
	OpContains                       // the claim holds Values[0] (see contains)
	OpContainsAny                    // the claim holds at least one of Values
	OpContainsAll                    // the claim holds every one of Values
	OpPresent                        // the claim exists and is not null
	OpAbsent                         // the claim does not exist, or is null
)

// ClaimValue is a value a condition compares with: a JSON string, number or boolean. Types
// never coerce: the string "1" is not the number 1, "true" is not true.
type ClaimValue struct {
	typ gjson.Type // gjson.String, gjson.Number, gjson.True or gjson.False
	str string     // the string, or the number as written
	num float64    // the number's value
}

// StringValue is a string to compare with.
func StringValue(s string) ClaimValue { return ClaimValue{typ: gjson.String, str: s} }

// BoolValue is a boolean to compare with.
func BoolValue(b bool) ClaimValue {
	if b {
		return ClaimValue{typ: gjson.True}
	}
	return ClaimValue{typ: gjson.False}
}

// NumberValue is a JSON number to compare with, as written (raw is JSON number text); ok is
// false when raw is not a finite number.
func NumberValue(raw string) (ClaimValue, bool) {
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return ClaimValue{}, false
	}
	return ClaimValue{typ: gjson.Number, str: raw, num: f}, true
}

// exactFloat bounds the numbers compared by value: below 2^53 every integer is exactly a
// float64, so 10 and 1e1 and 10.0 are one value; beyond it two different integers (ids) may
// round to the same float64, so they must be written the same to be equal.
const exactFloat = 1 << 53

// matches reports whether the JSON value v is this value: same JSON type, same string,
// same number, same boolean.
func (c ClaimValue) matches(v gjson.Result) bool {
	if v.Type != c.typ {
		return false
	}
	switch c.typ {
	case gjson.String:
		return v.Str == c.str
	case gjson.Number:
		if v.Raw == c.str {
			return true
		}
		if math.Abs(c.num) >= exactFloat || math.Abs(v.Num) >= exactFloat {
			return false
		}
		return v.Num == c.num
	}
	return true // true or false, and the types are equal
}

// ClaimCondition is one test on one claim of a verified token (REFERENCE.md, "Claim
// conditions"). A claim that is absent fails every test but OpAbsent; a claim whose path is
// ambiguous fails every test, OpAbsent included.
type ClaimCondition struct {
	Path   ClaimPath
	Op     ClaimOp
	Values []ClaimValue // one for OpEquals and OpContains, at least one for the lists, none for presence
}

// Holds evaluates the condition on t. It does not allocate. Like every claim read, it is
// meaningful only after VerifySignature.
func (c *ClaimCondition) Holds(t *Token) bool {
	v, found := t.Claim(c.Path)
	switch {
	case found == ClaimAmbiguous:
		return false
	case c.Op == OpAbsent:
		return found == ClaimAbsent || v.Type == gjson.Null
	case found == ClaimAbsent || v.Type == gjson.Null:
		return false
	}
	switch c.Op {
	case OpPresent:
		return true
	case OpEquals, OpOneOf:
		for _, want := range c.Values {
			if want.matches(v) {
				return true
			}
		}
	case OpContains, OpContainsAny:
		for _, want := range c.Values {
			if contains(v, want) {
				return true
			}
		}
	case OpContainsAll:
		for _, want := range c.Values {
			if !contains(v, want) {
				return false
			}
		}
		return len(c.Values) > 0
	}
	return false
}

// contains reports whether claim v holds want: an array holds its elements (compared as by
// matches, so ["1"] does not hold 1 and [["admin"]] does not hold "admin"); a string holds
// its space-delimited words (RFC 6749 §3.3 scope syntax: words separated by %x20), so
// "admin ops" holds "admin" but "admins" does not. Other types hold nothing.
func contains(v gjson.Result, want ClaimValue) bool {
	switch {
	case v.IsArray():
		found := false
		v.ForEach(func(_, e gjson.Result) bool {
			found = want.matches(e)
			return !found
		})
		return found
	case v.Type == gjson.String:
		if want.typ != gjson.String || want.str == "" {
			return false
		}
		s := v.Str
		for s != "" {
			i := 0
			for i < len(s) && s[i] != ' ' {
				i++
			}
			if s[:i] == want.str {
				return true
			}
			if i == len(s) {
				break
			}
			s = s[i+1:]
		}
	}
	return false
}
