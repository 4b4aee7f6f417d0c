package config

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// Condition is a claim condition of a rule (require.claims, require.any_claims). ID is its
// index in Config.Conditions: the filter evaluates every condition once per verified token
// and keeps the results as bits by ID, so a cached token is judged without its claims.
type Condition struct {
	jwtverify.ClaimCondition
	ID int
}

// Bounds on conditions: enough for any policy written by hand, small enough that evaluating
// every condition of a configuration on a new token stays cheap.
const (
	maxConditionsPerList  = 32
	maxConditionValues    = 64
	maxConditionValueSize = 1024
	maxConditions         = 1024 // in the whole configuration
)

// conditionOps are the tests a condition may name, each with its operator; exactly one.
var conditionOps = []struct {
	name string
	op   jwtverify.ClaimOp
}{
	{"equals", jwtverify.OpEquals}, {"one_of", jwtverify.OpOneOf}, {"contains", jwtverify.OpContains},
	{"contains_any", jwtverify.OpContainsAny}, {"contains_all", jwtverify.OpContainsAll},
	{"present", jwtverify.OpPresent}, {"absent", jwtverify.OpAbsent},
}

// conditionList reads require.claims or require.any_claims.
func (r *reader) conditionList(v gjson.Result, path, name string) []*Condition {
	var out []*Condition
	n := 0
	r.array(v, path, name, "leave it out to need no claim condition", func(p string, e gjson.Result) {
		n++
		if n > maxConditionsPerList {
			if n == maxConditionsPerList+1 {
				r.fail(join(path, name), "lists more than "+strconv.Itoa(maxConditionsPerList)+" conditions")
			}
			return
		}
		if c := r.condition(e, p); c != nil {
			if len(r.conditions) >= maxConditions {
				r.fail(p, "is beyond "+strconv.Itoa(maxConditions)+" claim conditions in the configuration")
				return
			}
			c.ID = len(r.conditions)
			r.conditions = append(r.conditions, c)
			out = append(out, c)
		}
	})
	return out
}

func (r *reader) condition(v gjson.Result, path string) *Condition {
	if !r.object(v, path, fieldsCondition) {
		return nil
	}
	c := &Condition{}
	ok := true
	if cv := v.Get("claim"); !cv.Exists() {
		r.fail(join(path, "claim"), "is required")
		ok = false
	} else if c.Path, ok = r.claimPath(cv, join(path, "claim")); !ok {
		ok = false
	}
	var tests []string
	for _, t := range conditionOps {
		if v.Get(t.name).Exists() {
			tests = append(tests, t.name)
			c.Op = t.op
		}
	}
	if len(tests) != 1 {
		got := "none"
		if len(tests) > 1 {
			got = strings.Join(tests, " and ")
		}
		r.fail(path, "needs exactly one test of equals, one_of, contains, contains_any, contains_all, present or absent, got "+got)
		return nil
	}
	tp := join(path, tests[0])
	tv := v.Get(tests[0])
	switch c.Op {
	case jwtverify.OpPresent, jwtverify.OpAbsent:
		if tv.Type != gjson.True {
			r.fail(tp, "must be true (to test the opposite, use "+map[bool]string{true: "absent", false: "present"}[c.Op == jwtverify.OpPresent]+")")
			ok = false
		}
	case jwtverify.OpEquals, jwtverify.OpContains:
		val, vok := r.conditionValue(tv, tp)
		c.Values, ok = []jwtverify.ClaimValue{val}, ok && vok
	default:
		if !tv.IsArray() {
			r.fail(tp, "must be an array of strings, numbers or booleans, got "+typeName(tv))
			return nil
		}
		i := 0
		tv.ForEach(func(_, e gjson.Result) bool {
			if i == maxConditionValues {
				r.fail(tp, "lists more than "+strconv.Itoa(maxConditionValues)+" values")
				ok = false
				return false
			}
			val, vok := r.conditionValue(e, index(tp, i))
			c.Values, ok = append(c.Values, val), ok && vok
			i++
			return true
		})
		if i == 0 {
			r.fail(tp, "must not be empty")
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return c
}

// conditionValue reads a value to compare a claim with: a string, a number or a boolean, as
// the JSON type it is written with (so "1" and 1 are different values).
func (r *reader) conditionValue(v gjson.Result, path string) (jwtverify.ClaimValue, bool) {
	switch v.Type {
	case gjson.String:
		if len(v.Str) > maxConditionValueSize {
			r.fail(path, "is longer than "+strconv.Itoa(maxConditionValueSize)+" bytes")
			return jwtverify.ClaimValue{}, false
		}
		return jwtverify.StringValue(v.Str), true
	case gjson.Number:
		if n, ok := jwtverify.NumberValue(v.Raw); ok {
			return n, true
		}
		r.fail(path, "is not a finite number: "+v.Raw)
		return jwtverify.ClaimValue{}, false
	case gjson.True, gjson.False:
		return jwtverify.BoolValue(v.Type == gjson.True), true
	}
	r.fail(path, "must be a string, a number or a boolean, got "+typeName(v))
	return jwtverify.ClaimValue{}, false
}
