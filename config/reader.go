package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/internal/strictjson"
)

// reader reads typed values out of a validated gjson document and collects problems with
// their paths. Every accessor records what is wrong and returns a zero value, so parsing
// goes on and reports everything in one pass.
type reader struct {
	problems []Problem
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
func (r *reader) object(v gjson.Result, path string, allowed ...string) bool {
	if !v.IsObject() {
		r.fail(path, "must be an object, got "+typeName(v))
		return false
	}
	if dup := strictjson.DuplicateMember(v); dup != "" {
		r.fail(join(path, dup), "appears more than once")
	}
	v.ForEach(func(key, _ gjson.Result) bool {
		name := key.String()
		for _, a := range allowed {
			if a == name {
				return true
			}
		}
		r.fail(join(path, name), "unknown field (allowed: "+strings.Join(allowed, ", ")+")")
		return true
	})
	return true
}

// mapObject checks that v is an object used as a map (its member names are the user's, as
// provider names are): no unknown-member check, but no duplicates either.
func (r *reader) mapObject(v gjson.Result, path string) bool {
	if !v.IsObject() {
		r.fail(path, "must be an object, got "+typeName(v))
		return false
	}
	if dup := strictjson.DuplicateMember(v); dup != "" {
		r.fail(join(path, dup), "appears more than once")
	}
	return true
}

// member returns an object's member by exact name. gjson paths give meaning to '.', '*'
// and '?', so names are matched by iteration, not by path syntax.
func member(obj gjson.Result, name string) gjson.Result {
	var out gjson.Result
	obj.ForEach(func(key, v gjson.Result) bool {
		if key.String() == name {
			out = v
			return false
		}
		return true
	})
	return out
}

func (r *reader) str(obj gjson.Result, path, name string, required bool) string {
	v := member(obj, name)
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

func (r *reader) boolean(obj gjson.Result, path, name string, def bool) bool {
	v := member(obj, name)
	if !v.Exists() {
		return def
	}
	if v.Type != gjson.True && v.Type != gjson.False {
		r.fail(join(path, name), "must be a boolean, got "+typeName(v))
		return def
	}
	return v.Bool()
}

// strList reads an array of non-empty strings; nil when absent.
func (r *reader) strList(obj gjson.Result, path, name string, required bool) []string {
	v := member(obj, name)
	p := join(path, name)
	if !v.Exists() {
		if required {
			r.fail(p, "is required")
		}
		return nil
	}
	if !v.IsArray() {
		r.fail(p, "must be an array of strings, got "+typeName(v))
		return nil
	}
	out := []string{}
	for i, e := range v.Array() {
		if e.Type != gjson.String || e.Str == "" {
			r.fail(index(p, i), "must be a non-empty string, got "+typeName(e))
			continue
		}
		out = append(out, e.Str)
	}
	if required && len(out) == 0 && len(v.Array()) == 0 {
		r.fail(p, "must not be empty")
	}
	return out
}

// duration reads a Go duration string ("300s", "5m", "1.5s") within [min, max].
func (r *reader) duration(obj gjson.Result, path, name string, def, min, max time.Duration) time.Duration {
	v := member(obj, name)
	p := join(path, name)
	if !v.Exists() {
		return def
	}
	if v.Type != gjson.String {
		r.fail(p, `must be a duration string such as "30s", got `+typeName(v))
		return def
	}
	d, err := time.ParseDuration(v.Str)
	if err != nil {
		r.fail(p, `must be a duration such as "30s" or "5m", got `+strconv.Quote(v.Str))
		return def
	}
	if d < min || d > max || (min == 0 && d < 0) {
		r.fail(p, "must be between "+min.String()+" and "+max.String()+", got "+strconv.Quote(v.Str))
		return def
	}
	if d == 0 && min > 0 {
		r.fail(p, "must be a positive duration, got "+strconv.Quote(v.Str))
		return def
	}
	return d
}

// integer reads a whole number within [min, max].
func (r *reader) integer(obj gjson.Result, path, name string, def, min, max int) int {
	v := member(obj, name)
	p := join(path, name)
	if !v.Exists() {
		return def
	}
	n, err := strconv.ParseInt(v.Raw, 10, 64)
	if v.Type != gjson.Number || err != nil {
		r.fail(p, "must be a whole number, got "+typeName(v))
		return def
	}
	if n < int64(min) || n > int64(max) {
		r.fail(p, "must be between "+strconv.Itoa(min)+" and "+strconv.Itoa(max)+", got "+v.Raw)
		return def
	}
	return int(n)
}
