// Package strictjson holds the JSON rules that jwtguard applies on top of gjson wherever
// it reads untrusted or user-written JSON (tokens, key sets, the configuration).
package strictjson

import "github.com/tidwall/gjson"

// DuplicateMember returns a member name that appears twice in object o, or "". JSON parsers
// disagree on which duplicate wins (RFC 8259 §4), so a document with one means different
// things to different readers and is refused (RFC 7515 §5.2 step 4 for JWS headers).
// Names are compared after unescaping, so "exp" and "\u0065xp" are the same member.
func DuplicateMember(o gjson.Result) string {
	var seen []string
	var seenMap map[string]struct{}
	dup := ""
	o.ForEach(func(key, _ gjson.Result) bool {
		name := key.String()
		if seenMap != nil {
			if _, ok := seenMap[name]; ok {
				dup = name
				return false
			}
			seenMap[name] = struct{}{}
			return true
		}
		for _, s := range seen {
			if s == name {
				dup = name
				return false
			}
		}
		seen = append(seen, name)
		// A linear scan is cheapest for the handful of members a token has; a map bounds
		// the cost for hostile documents with thousands.
		if len(seen) > 16 {
			seenMap = make(map[string]struct{}, 2*len(seen))
			for _, s := range seen {
				seenMap[s] = struct{}{}
			}
		}
		return true
	})
	return dup
}
