package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/internal/strictjson"
)

// reader reads typed values out of a validated gjson document and collects problems with
// their paths. Every accessor records what is wrong and returns a zero value or the
// default, so parsing goes on and one pass reports everything.
//
// Fields are read with obj.Get(name) where name is one of the constant field names below
// (plain snake_case, none of gjson's path metacharacters); the only member names that come
// from the document, provider names, are visited with ForEach and never used as paths.
type reader struct {
	problems   []Problem
	conditions []*Condition // every claim condition read, in document order (Condition.ID)
}

func (r *reader) fail(path, msg string) { r.problems = append(r.problems, Problem{path, msg}) }

func join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// typeName is how a JSON value is named in messages.
func typeName(v gjson.Result) string {
	switch {
	case v.IsObject():
		return "an object"
	case v.IsArray():
		return "an array"
	}
	switch v.Type {
	case gjson.String:
		return "a string"
	case gjson.Number:
		return "a number"
	case gjson.True, gjson.False:
		return "a boolean"
	case gjson.Null:
		return "null"
	}
	return "nothing"
}

// object checks that v is an object with no duplicate and no unknown members. Unknown
// members are refused: a misspelt "require" must not silently open a route.
func (r *reader) object(v gjson.Result, path string, allowed []string) bool {
	if !v.IsObject() {
		r.fail(path, "must be an object, got "+typeName(v))
		return false
	}
	if dup, found := strictjson.DuplicateMember(v); found {
		r.fail(join(path, dup), "appears more than once")
	}
	v.ForEach(func(key, _ gjson.Result) bool {
		name := key.String()
		for _, a := range allowed {
			if a == name {
				return true
			}
		}
		msg := "unknown field (allowed: " + strings.Join(allowed, ", ") + ")"
		if s := suggest(name, allowed); s != "" {
			msg = "unknown field; did you mean " + strconv.Quote(s) + "? (allowed: " + strings.Join(allowed, ", ") + ")"
		}
		r.fail(join(path, name), msg)
		return true
	})
	return true
}

// suggest returns the allowed name closest to a misspelt one (at most two edits, or one a
// prefix of the other), or "".
func suggest(name string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		d := editDistance(strings.ToLower(name), a)
		if strings.HasPrefix(a, name) || strings.HasPrefix(name, a) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, for field names (short; longer input is cut).
func editDistance(a, b string) int {
	if len(a) > 64 {
		a = a[:64]
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// mapObject checks that v is an object used as a map (its member names are the user's, as
// provider names are): no unknown-member check, but no duplicates either.
func (r *reader) mapObject(v gjson.Result, path string) bool {
	if !v.IsObject() {
		r.fail(path, "must be an object, got "+typeName(v))
		return false
	}
	if dup, found := strictjson.DuplicateMember(v); found {
		r.fail(join(path, dup), "appears more than once")
	}
	return true
}

// str reads a non-empty string.
func (r *reader) str(obj gjson.Result, path, name string, required bool) string {
	v := obj.Get(name)
	p := join(path, name)
	if !v.Exists() {
		if required {
			r.fail(p, "is required")
		}
		return ""
	}
	if v.Type != gjson.String {
		r.fail(p, "must be a string, got "+typeName(v))
		return ""
	}
	if v.Str == "" {
		r.fail(p, "must not be empty")
	}
	return v.Str
}

// text reads a non-empty string that must not hold control characters (it ends up in a
// header, a log line or a request the plugin sends).
func (r *reader) text(obj gjson.Result, path, name string, required bool) string {
	s := r.str(obj, path, name, required)
	if strictjson.HasControl(s) {
		r.fail(join(path, name), "must not contain control characters")
	}
	return s
}

func (r *reader) boolean(obj gjson.Result, path, name string, def bool) bool {
	v := obj.Get(name)
	if !v.Exists() {
		return def
	}
	if v.Type != gjson.True && v.Type != gjson.False {
		r.fail(join(path, name), "must be a boolean, got "+typeName(v))
		return def
	}
	return v.Bool()
}

// strList reads a non-empty array of non-empty strings. It returns nil when the field is
// absent. An empty array is refused: every list here has a default or a meaning when left
// out, and "[]" more likely means a half-written configuration than that meaning.
func (r *reader) strList(obj gjson.Result, path, name, emptyHint string) []string {
	v := obj.Get(name)
	p := join(path, name)
	if !v.Exists() {
		return nil
	}
	if !v.IsArray() {
		r.fail(p, "must be an array of strings, got "+typeName(v))
		return nil
	}
	out := []string{}
	n := 0
	v.ForEach(func(_, e gjson.Result) bool {
		if e.Type != gjson.String || e.Str == "" {
			got := typeName(e)
			if e.Type == gjson.String {
				got = "an empty string"
			}
			r.fail(index(p, n), "must be a non-empty string, got "+got)
		} else {
			out = append(out, e.Str)
		}
		n++
		return true
	})
	if n == 0 {
		r.fail(p, "must not be empty ("+emptyHint+")")
	}
	return out
}

// array checks that the field, if present, is a non-empty array and calls each for every
// element with its path. It returns whether the field is present.
func (r *reader) array(obj gjson.Result, path, name, emptyHint string, each func(p string, e gjson.Result)) bool {
	v := obj.Get(name)
	p := join(path, name)
	if !v.Exists() {
		return false
	}
	if !v.IsArray() {
		r.fail(p, "must be an array, got "+typeName(v))
		return true
	}
	n := 0
	v.ForEach(func(_, e gjson.Result) bool {
		each(index(p, n), e)
		n++
		return true
	})
	if n == 0 {
		r.fail(p, "must not be empty ("+emptyHint+")")
	}
	return true
}

// durationRange is what a duration field accepts; min 0 means 0 is allowed.
type durationRange struct {
	def, min, max time.Duration
}

// duration reads a duration string: one or more decimal numbers, each with an optional
// fraction and a unit of ns, us, µs, ms, s, m or h ("300s", "5m", "1.5s", "1m30s"), as Go's
// time.ParseDuration reads them. Signs, bare numbers and JSON numbers are refused, so that
// the schema's pattern and this parser accept exactly the same strings.
func (r *reader) duration(obj gjson.Result, path, name string, rng durationRange) time.Duration {
	v := obj.Get(name)
	p := join(path, name)
	if !v.Exists() {
		return rng.def
	}
	if v.Type != gjson.String {
		r.fail(p, `must be a duration string such as "30s" or "5m", got `+typeName(v))
		return rng.def
	}
	d, err := time.ParseDuration(v.Str)
	if !durationSyntax(v.Str) || err != nil {
		r.fail(p, `must be a duration such as "30s", "5m" or "1.5s", got `+strconv.Quote(v.Str))
		return rng.def
	}
	switch {
	case d == 0 && rng.min > 0:
		r.fail(p, "must be a positive duration, got "+strconv.Quote(v.Str))
	case d < rng.min:
		r.fail(p, "must be at least "+rng.min.String()+", got "+strconv.Quote(v.Str))
	case d > rng.max:
		r.fail(p, "must be at most "+rng.max.String()+", got "+strconv.Quote(v.Str))
	default:
		return d
	}
	return rng.def
}

// durationSyntax reports whether s is ( digits [ "." digits ] unit )+ — the grammar the
// schema's "duration" pattern states.
func durationSyntax(s string) bool {
	if s == "" {
		return false
	}
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i+1 {
				return false
			}
			i = j
		}
		s = s[i:]
		unit := ""
		for _, u := range []string{"ns", "us", "µs", "ms", "s", "m", "h"} {
			if strings.HasPrefix(s, u) {
				unit = u
				break
			}
		}
		if unit == "" {
			return false
		}
		s = s[len(unit):]
	}
	return true
}

// intRange is what an integer field accepts.
type intRange struct {
	def, min, max int
}

// integer reads a whole JSON number within the range (no fraction, no exponent).
func (r *reader) integer(obj gjson.Result, path, name string, rng intRange) int {
	v := obj.Get(name)
	p := join(path, name)
	if !v.Exists() {
		return rng.def
	}
	if v.Type != gjson.Number {
		r.fail(p, "must be a whole number, got "+typeName(v))
		return rng.def
	}
	n, err := strconv.ParseInt(v.Raw, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			r.fail(p, "must be a whole number, got "+v.Raw)
			return rng.def
		}
		// Out of int64's range: report it as out of range, below.
		n = int64(rng.max) + 1
		if strings.HasPrefix(v.Raw, "-") {
			n = int64(rng.min) - 1
		}
	}
	if n < int64(rng.min) || n > int64(rng.max) {
		r.fail(p, "must be between "+strconv.Itoa(rng.min)+" and "+strconv.Itoa(rng.max)+", got "+v.Raw)
		return rng.def
	}
	return int(n)
}
