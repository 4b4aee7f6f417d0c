package jwtverify

import (
	"testing"
)

func num(t testing.TB, raw string) ClaimValue {
	v, ok := NumberValue(raw)
	if !ok {
		t.Fatalf("NumberValue(%s) refused", raw)
	}
	return v
}

// TestClaimConditions: each operator on each JSON type, with the type confusions a token
// issuer may be tricked into (a role as a string, as an array, as a longer word, a number
// as a string, nested arrays, look-alike Unicode).
func TestClaimConditions(t *testing.T) {
	tok := parsePayload(t, `{"sub":"alice","role":"admin","roles":["admin","ops"],"nested":[["admin"]],
		"scope":"read admin  write","admins":"admins","n":10,"ns":"10","big":9007199254740993,"t":true,"ts":"true",
		"nul":null,"realm_access":{"roles":["user","admin"]},"dup":{"r":"admin","r":"user"},
		"cyr":"аdmin","mixed":["1",1,true],"empty":""}`)
	s := StringValue
	p := func(path string) ClaimPath {
		cp, problem := ParseClaimPath(path)
		if problem != "" {
			t.Fatal(problem)
		}
		return cp
	}
	tests := []struct {
		name string
		c    ClaimCondition
		want bool
	}{
		{"equals string", ClaimCondition{p("role"), OpEquals, []ClaimValue{s("admin")}}, true},
		{"equals: array is not its element", ClaimCondition{p("roles"), OpEquals, []ClaimValue{s("admin")}}, false},
		{"equals: longer word", ClaimCondition{p("admins"), OpEquals, []ClaimValue{s("admin")}}, false},
		{"equals: Cyrillic look-alike", ClaimCondition{p("cyr"), OpEquals, []ClaimValue{s("admin")}}, false},
		{"equals number", ClaimCondition{p("n"), OpEquals, []ClaimValue{num(t, "10")}}, true},
		{"equals number written otherwise", ClaimCondition{p("n"), OpEquals, []ClaimValue{num(t, "1e1")}}, true},
		{"equals: string is not a number", ClaimCondition{p("ns"), OpEquals, []ClaimValue{num(t, "10")}}, false},
		{"equals: number is not a string", ClaimCondition{p("n"), OpEquals, []ClaimValue{s("10")}}, false},
		{"equals: beyond 2^53 needs the same text", ClaimCondition{p("big"), OpEquals, []ClaimValue{num(t, "9007199254740992")}}, false},
		{"equals: beyond 2^53, same text", ClaimCondition{p("big"), OpEquals, []ClaimValue{num(t, "9007199254740993")}}, true},
		{"equals true", ClaimCondition{p("t"), OpEquals, []ClaimValue{BoolValue(true)}}, true},
		{"equals: true is not false", ClaimCondition{p("t"), OpEquals, []ClaimValue{BoolValue(false)}}, false},
		{"equals: \"true\" is not true", ClaimCondition{p("ts"), OpEquals, []ClaimValue{BoolValue(true)}}, false},
		{"equals: null is nothing", ClaimCondition{p("nul"), OpEquals, []ClaimValue{s("null")}}, false},
		{"equals: absent", ClaimCondition{p("nothing"), OpEquals, []ClaimValue{s("admin")}}, false},
		{"equals: empty string", ClaimCondition{p("empty"), OpEquals, []ClaimValue{s("")}}, true},
		{"one_of", ClaimCondition{p("role"), OpOneOf, []ClaimValue{s("ops"), s("admin")}}, true},
		{"one_of: none", ClaimCondition{p("role"), OpOneOf, []ClaimValue{s("ops"), s("user")}}, false},
		{"one_of: array claim", ClaimCondition{p("roles"), OpOneOf, []ClaimValue{s("admin")}}, false},
		{"contains: array element", ClaimCondition{p("roles"), OpContains, []ClaimValue{s("ops")}}, true},
		{"contains: nested path", ClaimCondition{p("realm_access.roles"), OpContains, []ClaimValue{s("admin")}}, true},
		{"contains: nested arrays are not entered", ClaimCondition{p("nested"), OpContains, []ClaimValue{s("admin")}}, false},
		{"contains: word of a string", ClaimCondition{p("scope"), OpContains, []ClaimValue{s("admin")}}, true},
		{"contains: word after two spaces", ClaimCondition{p("scope"), OpContains, []ClaimValue{s("write")}}, true},
		{"contains: not a part of a word", ClaimCondition{p("admins"), OpContains, []ClaimValue{s("admin")}}, false},
		{"contains: the empty word is never held", ClaimCondition{p("scope"), OpContains, []ClaimValue{s("")}}, false},
		{"contains: single string equal", ClaimCondition{p("role"), OpContains, []ClaimValue{s("admin")}}, true},
		{"contains: number in a mixed array", ClaimCondition{p("mixed"), OpContains, []ClaimValue{num(t, "1")}}, true},
		{"contains: bool in a mixed array", ClaimCondition{p("mixed"), OpContains, []ClaimValue{BoolValue(true)}}, true},
		{"contains: number is not its string", ClaimCondition{p("roles"), OpContains, []ClaimValue{num(t, "1")}}, false},
		{"contains: a number claim holds nothing", ClaimCondition{p("n"), OpContains, []ClaimValue{num(t, "10")}}, false},
		{"contains: an object holds nothing", ClaimCondition{p("realm_access"), OpContains, []ClaimValue{s("roles")}}, false},
		{"contains_any", ClaimCondition{p("roles"), OpContainsAny, []ClaimValue{s("x"), s("ops")}}, true},
		{"contains_any: none", ClaimCondition{p("roles"), OpContainsAny, []ClaimValue{s("x"), s("y")}}, false},
		{"contains_all", ClaimCondition{p("roles"), OpContainsAll, []ClaimValue{s("ops"), s("admin")}}, true},
		{"contains_all: one missing", ClaimCondition{p("roles"), OpContainsAll, []ClaimValue{s("ops"), s("root")}}, false},
		{"contains_all: words", ClaimCondition{p("scope"), OpContainsAll, []ClaimValue{s("read"), s("write")}}, true},
		{"present", ClaimCondition{p("sub"), OpPresent, nil}, true},
		{"present: null is not", ClaimCondition{p("nul"), OpPresent, nil}, false},
		{"present: absent", ClaimCondition{p("nothing"), OpPresent, nil}, false},
		{"absent", ClaimCondition{p("nothing"), OpAbsent, nil}, true},
		{"absent: null counts", ClaimCondition{p("nul"), OpAbsent, nil}, true},
		{"absent: present", ClaimCondition{p("sub"), OpAbsent, nil}, false},
		{"absent: nested missing", ClaimCondition{p("realm_access.groups"), OpAbsent, nil}, true},
		{"ambiguous fails equals", ClaimCondition{p("dup.r"), OpEquals, []ClaimValue{s("admin")}}, false},
		{"ambiguous fails present", ClaimCondition{p("dup.r"), OpPresent, nil}, false},
		{"ambiguous fails absent", ClaimCondition{p("dup.r"), OpAbsent, nil}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Holds(tok); got != tc.want {
				t.Fatalf("Holds = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNumberValue(t *testing.T) {
	for _, raw := range []string{"1e999", "NaN", "x", ""} {
		if _, ok := NumberValue(raw); ok {
			t.Errorf("NumberValue(%q) accepted", raw)
		}
	}
}

// BenchmarkClaimCondition: a condition on a nested array allocates nothing.
func BenchmarkClaimCondition(b *testing.B) {
	tok := parsePayload(b, `{"sub":"alice","realm_access":{"roles":["user","ops","admin"]}}`)
	cp, _ := ParseClaimPath("realm_access.roles")
	c := ClaimCondition{cp, OpContainsAll, []ClaimValue{StringValue("admin"), StringValue("ops")}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !c.Holds(tok) {
			b.Fatal("does not hold")
		}
	}
}
