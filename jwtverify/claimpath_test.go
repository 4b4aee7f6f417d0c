package jwtverify

import (
	"strings"
	"testing"
)

var (
	testScopePaths = []ClaimPath{mustPath(nil, "scope"), mustPath(nil, "scp")}
	subPath        = mustPath(nil, "sub")
	// fuzzPaths reach into the shapes FuzzParse generates: nested objects, dotted names.
	fuzzPaths = []ClaimPath{subPath, mustPath(nil, "realm_access", "roles"), mustPath(nil, "a", "b", "c", "d")}
)

// mustPath builds a path of the given segments (one segment: taken verbatim).
func mustPath(t testing.TB, segs ...string) ClaimPath {
	p, problem := NewClaimPath(segs)
	if problem != "" {
		if t == nil {
			panic(problem)
		}
		t.Fatalf("NewClaimPath(%q): %s", segs, problem)
	}
	return p
}

func TestParseClaimPath(t *testing.T) {
	long := strings.Repeat("a", MaxClaimPathBytes)
	tests := []struct {
		name, in string
		segs     []string
		problem  string
	}{
		{"top level", "sub", []string{"sub"}, ""},
		{"nested", "realm_access.roles", []string{"realm_access", "roles"}, ""},
		{"keycloak client roles", "resource_access.orders-api.roles", []string{"resource_access", "orders-api", "roles"}, ""},
		{"slashes are plain characters", "a/b.c", []string{"a/b", "c"}, ""},
		{"empty", "", nil, "must not be empty"},
		{"leading dot", ".a", nil, "has an empty member name"},
		{"trailing dot", "a.", nil, "has an empty member name"},
		{"double dot", "a..b", nil, "has an empty member name"},
		{"eight members", "a.b.c.d.e.f.g.h", []string{"a", "b", "c", "d", "e", "f", "g", "h"}, ""},
		{"nine members", "a.b.c.d.e.f.g.h.i", nil, "has 9 members, more than 8"},
		{"at the length bound", long, []string{long}, ""},
		{"over the length bound", long + ".b", nil, "is longer than 512 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, problem := ParseClaimPath(tc.in)
			if problem != tc.problem {
				t.Fatalf("problem %q, want %q", problem, tc.problem)
			}
			if strings.Join(p.Segments(), "|") != strings.Join(tc.segs, "|") {
				t.Fatalf("segments %q, want %q", p.Segments(), tc.segs)
			}
		})
	}
}

func TestClaimPathString(t *testing.T) {
	for _, tc := range []struct {
		segs []string
		want string
	}{
		{[]string{"sub"}, "sub"},
		{[]string{"realm_access", "roles"}, "realm_access.roles"},
		{[]string{"https://example.com/roles"}, `["https://example.com/roles"]`},
		{[]string{"ext", "a.b"}, `["ext","a.b"]`},
	} {
		if got := mustPath(t, tc.segs...).String(); got != tc.want {
			t.Errorf("%q: String() = %s, want %s", tc.segs, got, tc.want)
		}
	}
}

// TestClaimLookup covers what a path finds in each shape of payload, including the
// ambiguous and type-confused ones an attacker controls when the IdP copies user input into
// claims.
func TestClaimLookup(t *testing.T) {
	payload := `{"iss":"https://idp.example.com/","sub":"alice",
		"realm_access":{"roles":["admin","user"]},
		"resource_access":{"orders-api":{"roles":["reader"]},"a.b":{"c":1}},
		"https://example.com/roles":["editor"],
		"https://example":{"com/roles":["wrong"]},
		"dup":{"roles":["user"],"roles":["admin"]},
		"esc":{"r\u006fles":"x"},
		"arr":[{"roles":["admin"]}],
		"str":"realm_access",
		"nul":null,
		"deep":{"a":{"b":{"c":{"d":{"e":{"f":{"g":"deep"}}}}}}}}`
	tok := parsePayload(t, payload)
	tests := []struct {
		name  string
		path  ClaimPath
		raw   string
		found Lookup
	}{
		{"top level", mustPath(t, "sub"), `"alice"`, ClaimFound},
		{"nested", mustPath(t, "realm_access", "roles"), `["admin","user"]`, ClaimFound},
		{"three deep", mustPath(t, "resource_access", "orders-api", "roles"), `["reader"]`, ClaimFound},
		{"a name with a dot", mustPath(t, "resource_access", "a.b", "c"), `1`, ClaimFound},
		{"namespaced name, verbatim", mustPath(t, "https://example.com/roles"), `["editor"]`, ClaimFound},
		{"namespaced name split at its dot finds another claim", mustPath(t, "https://example", "com/roles"), `["wrong"]`, ClaimFound},
		{"duplicate nested member", mustPath(t, "dup", "roles"), ``, ClaimAmbiguous},
		{"escaped member name", mustPath(t, "esc", "roles"), `"x"`, ClaimFound},
		{"arrays are not entered", mustPath(t, "arr", "roles"), ``, ClaimAbsent},
		{"strings are not entered", mustPath(t, "str", "x"), ``, ClaimAbsent},
		{"null is found as null", mustPath(t, "nul"), `null`, ClaimFound},
		{"into null", mustPath(t, "nul", "x"), ``, ClaimAbsent},
		{"missing top level", mustPath(t, "roles"), ``, ClaimAbsent},
		{"missing nested", mustPath(t, "realm_access", "groups"), ``, ClaimAbsent},
		{"case matters", mustPath(t, "Realm_access", "roles"), ``, ClaimAbsent},
		{"eight deep", mustPath(t, "deep", "a", "b", "c", "d", "e", "f", "g"), `"deep"`, ClaimFound},
		{"zero path", ClaimPath{}, ``, ClaimAbsent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, found := tok.Claim(tc.path)
			if found != tc.found || v.Raw != tc.raw {
				t.Fatalf("got %q %v, want %q %v", v.Raw, found, tc.raw, tc.found)
			}
		})
	}
}

func TestScopesFromPaths(t *testing.T) {
	tok := parsePayload(t, `{"scope":"read  write read","scp":["admin","read",7,"two words"],
		"realm_access":{"roles":["ops","admin"]},"dup":{"r":"x","r":"y"}}`)
	for _, tc := range []struct {
		name  string
		paths []ClaimPath
		want  string
	}{
		{"string and array", []ClaimPath{mustPath(t, "scope"), mustPath(t, "scp")}, "read,write,admin"},
		{"array only", []ClaimPath{mustPath(t, "scp")}, "admin,read"},
		{"nested roles", []ClaimPath{mustPath(t, "realm_access", "roles"), mustPath(t, "scope")}, "ops,admin,read,write"},
		{"ambiguous grants nothing", []ClaimPath{mustPath(t, "dup", "r")}, ""},
		{"object grants nothing", []ClaimPath{mustPath(t, "realm_access")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(tok.Scopes(tc.paths), ","); got != tc.want {
				t.Fatalf("Scopes = %q, want %q", got, tc.want)
			}
		})
	}
}

// BenchmarkClaimLookup: a nested lookup allocates nothing (the request path runs it for
// every claim header, scope claim and condition of a new token).
func BenchmarkClaimLookup(b *testing.B) {
	tok := parsePayload(b, `{"sub":"alice","scope":"a b","realm_access":{"roles":["admin","user"]},
		"resource_access":{"account":{"roles":["view"]},"orders-api":{"roles":["reader"]}}}`)
	p := mustPath(b, "resource_access", "orders-api", "roles")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, found := tok.Claim(p); found != ClaimFound {
			b.Fatal("not found")
		}
	}
}

// parsePayload parses an (unsigned-for-this-purpose) token with the given payload: Claim
// reads claims only, so the signature does not matter here.
func parsePayload(t testing.TB, payload string) *Token {
	t.Helper()
	tok, err := Parse(signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, payload), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
