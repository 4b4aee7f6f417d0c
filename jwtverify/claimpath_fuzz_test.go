package jwtverify

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzClaimLookup: for any payload and any dotted path, Token.Claim agrees with
// encoding/json (the oracle) on whether the claim exists and on its value, except where it
// reports the path ambiguous (a nested duplicate member, which encoding/json silently
// resolves to the last copy), and a condition on it never panics.
func FuzzClaimLookup(f *testing.F) {
	f.Add(`{"realm_access":{"roles":["admin"]}}`, "realm_access.roles")
	f.Add(`{"a":{"b":{"c":1.5e3}}}`, "a.b.c")
	f.Add(`{"a":{"b":1,"b":2}}`, "a.b")
	f.Add(`{"a":[{"b":1}]}`, "a.b")
	f.Add(`{"r\u006fles":"x","a":{"\u00e9":null}}`, "roles")
	f.Add(`{"https://example.com/roles":["a"]}`, "https://example.com/roles")
	f.Add(`{"a":"b"}`, "a.b")
	f.Fuzz(func(t *testing.T, payload, dotted string) {
		p, problem := ParseClaimPath(dotted)
		if problem != "" {
			return
		}
		tok, err := Parse("e30."+b64url.EncodeToString([]byte(payload))+".AA", Limits{MaxTokenBytes: 1 << 16})
		if err != nil {
			return
		}
		v, found := tok.Claim(p)
		for _, op := range []ClaimOp{OpEquals, OpContains, OpContainsAll, OpPresent, OpAbsent} {
			c := ClaimCondition{Path: p, Op: op, Values: []ClaimValue{StringValue("admin")}}
			if holds := c.Holds(tok); found == ClaimAmbiguous && holds {
				t.Fatalf("a condition (%d) holds on an ambiguous claim", op)
			}
		}
		if found == ClaimAmbiguous {
			return
		}
		var doc any
		d := json.NewDecoder(strings.NewReader(payload))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			t.Fatalf("Parse accepted a payload encoding/json refuses: %v", err)
		}
		want, ok := doc, true
		for _, seg := range p.Segments() {
			obj, isObj := want.(map[string]any)
			if !isObj {
				ok = false
				break
			}
			if want, ok = obj[seg]; !ok {
				break
			}
		}
		if ok != (found == ClaimFound) {
			t.Fatalf("Claim found %v, encoding/json %v", found, ok)
		}
		// The conditions, against a plain reading of the oracle's value.
		isAdmin := func(x any) bool { s, isStr := x.(string); return isStr && s == "admin" }
		contains := false
		switch w := want.(type) {
		case []any:
			for _, e := range w {
				contains = contains || isAdmin(e)
			}
		case string:
			for _, word := range strings.Split(w, " ") {
				contains = contains || word == "admin"
			}
		}
		for op, wantHolds := range map[ClaimOp]bool{
			OpEquals: ok && isAdmin(want), OpContains: ok && contains,
			OpPresent: ok && want != nil, OpAbsent: !ok || want == nil,
		} {
			c := ClaimCondition{Path: p, Op: op, Values: []ClaimValue{StringValue("admin")}}
			if got := c.Holds(tok); got != wantHolds {
				t.Fatalf("condition %d holds %v, oracle %v (value %v)", op, got, wantHolds, want)
			}
		}
		if !ok {
			return
		}
		var got any
		d = json.NewDecoder(bytes.NewReader([]byte(v.Raw)))
		d.UseNumber()
		if err := d.Decode(&got); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Claim = %s, encoding/json %v (%v)", v.Raw, want, err)
		}
	})
}
