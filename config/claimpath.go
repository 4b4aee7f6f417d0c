package config

import (
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// claimPath reads a claim path (REFERENCE.md, "Claim paths"): a string in dotted form
// ("realm_access.roles"), or an array of member names taken verbatim, for names that hold a
// dot (["https://example.com/roles"]). ok is false when a problem was recorded.
func (r *reader) claimPath(v gjson.Result, path string) (jwtverify.ClaimPath, bool) {
	var p jwtverify.ClaimPath
	problem := ""
	switch {
	case v.Type == gjson.String:
		if hasControl(v.Str) {
			problem = "must not contain control characters"
			break
		}
		p, problem = jwtverify.ParseClaimPath(v.Str)
	case v.IsArray():
		var segs []string
		n := 0
		v.ForEach(func(_, e gjson.Result) bool {
			if e.Type != gjson.String || e.Str == "" || hasControl(e.Str) {
				r.fail(index(path, n), "must be a non-empty member name without control characters, got "+typeName(e))
				problem = "-"
			}
			segs = append(segs, e.Str)
			n++
			return true
		})
		if problem == "" {
			p, problem = jwtverify.NewClaimPath(segs)
		}
	default:
		problem = `must be a claim path: a string such as "realm_access.roles", or an array of member names such as ["https://example.com/roles"]; got ` + typeName(v)
	}
	switch problem {
	case "":
		return p, true
	case "-": // recorded per element
	default:
		r.fail(path, problem)
	}
	return p, false
}

// claimPathList reads a non-empty array of claim paths without repeats; nil when absent.
func (r *reader) claimPathList(obj gjson.Result, path, name, emptyHint string) []jwtverify.ClaimPath {
	var out []jwtverify.ClaimPath
	seen := map[string]bool{}
	present := r.array(obj, path, name, emptyHint, func(p string, e gjson.Result) {
		cp, ok := r.claimPath(e, p)
		if !ok {
			return
		}
		key := cp.String()
		if seen[key] {
			r.fail(p, "duplicate claim "+strconv.Quote(key))
			return
		}
		seen[key] = true
		out = append(out, cp)
	})
	if present && out == nil {
		out = []jwtverify.ClaimPath{}
	}
	return out
}
