package config

import (
	"regexp"
	"testing"
)

func TestMatch(t *testing.T) {
	c, err := Parse([]byte(issueContract()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		method, path string
		want         int // rule index, -1: none (the filter denies)
	}{
		{"prefix", "GET", "/healthz", 0},
		{"prefix is a plain string prefix", "GET", "/healthzzz", 0},
		{"query string is not part of the match", "GET", "/healthz/live?x=1", 0},
		{"method listed", "POST", "/admin/users", 1},
		{"method listed, any case", "delete", "/admin", 1},
		{"method not listed", "GET", "/admin", -1},
		{"empty method", "", "/admin", -1},
		{"non-ASCII case folding is not a method match", "DELETE\u212a", "/admin", -1},
		{"regex matches the whole path", "GET", "/orders/42", 2},
		{"regex ignores the query", "GET", "/orders/42?expand=1", 2},
		{"regex does not match a longer path", "GET", "/orders/42/items", -1},
		{"regex does not match inside a path", "GET", "/x/orders/42", -1},
		{"exact path", "GET", "/me", 3},
		{"exact path with a query", "GET", "/me?", 3},
		{"exact path with a fragment", "GET", "/me#frag", 3},
		{"exact path is exact", "GET", "/me/", -1},
		{"paths are case-sensitive", "GET", "/ME", -1},
		{"percent-encoding is not decoded", "GET", "/%68ealthz", -1},
		{"no rule", "GET", "/unknown", -1},
		{"empty path", "GET", "", -1},
		{"only a query", "GET", "?/healthz", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := c.Match(&Request{Method: tc.method, Path: tc.path})
			idx := -1
			for i := range c.Rules {
				if got == &c.Rules[i] {
					idx = i
				}
			}
			if got != nil && idx < 0 {
				t.Fatal("Match returned a rule that is not in Rules")
			}
			if idx != tc.want {
				t.Errorf("Match(%q, %q) = rule %d, want %d", tc.method, tc.path, idx, tc.want)
			}
		})
	}
}

func TestMatchFirstRuleWins(t *testing.T) {
	c, err := Parse([]byte(withRules(`{"match":{"regex":"/a/.*"},"require":{"scopes":["x"]}},{"match":{"prefix":"/a"}},{"match":{"prefix":"/"},"require":{}}`)))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/a/b": 0, "/a": 1, "/ab": 1, "/b": 2} {
		if got, _ := c.Match(&Request{Method: "GET", Path: path}); got != &c.Rules[want] {
			t.Errorf("%s: not rule %d", path, want)
		}
	}
}

// TestRegexFullMatch compares the compiled matcher with an independent statement of
// "the regex matches the whole path": leftmost-longest search of the pattern as written
// finds a match that starts at 0 and ends at the end. Patterns with and without the
// user's own anchors, alternations and flags must all behave the same.
func TestRegexFullMatch(t *testing.T) {
	patterns := []string{
		`/orders/[0-9]+`, `^/orders/[0-9]+$`, `^/orders/[0-9]+`, `/orders/[0-9]+$`,
		`/a|/b`, `^/a|/b$`, `(?i)/Admin/.*`, `/v[12]/(users|groups)/[^/]+`, `^`, `.*`, `/x*`,
		`^(/a)+`, `(?m)^/a$`, `/a\$`,
	}
	paths := []string{"", "/", "/a", "/b", "/ab", "/a/b", "/orders/1", "/orders/12/x", "x/orders/1",
		"/ADMIN/x", "/admin/", "/v1/users/u", "/v2/groups/", "/xxx", "/a/a", "/a\n/a", "/a$", "/a/a/a"}
	for _, p := range patterns {
		re, err := compileRegex(p)
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		ref := regexp.MustCompile(p)
		ref.Longest()
		m := Matcher{kind: MatchRegex, value: p, re: re}
		m.literal, _ = re.LiteralPrefix()
		for _, s := range paths {
			loc := ref.FindStringIndex(s)
			want := loc != nil && loc[0] == 0 && loc[1] == len(s)
			if got := m.Matches("GET", s); got != want {
				t.Errorf("pattern %q, path %q: match %v, want %v", p, s, got, want)
			}
		}
	}
}

func TestRegexLiteralPrefix(t *testing.T) {
	for pattern, want := range map[string]string{
		`^/orders/[0-9]+$`: "/orders/", `/orders/[0-9]+`: "/orders/", `(?i)/Admin`: "/", `/a|/b`: "/", `.*`: "",
	} {
		re, err := compileRegex(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := re.LiteralPrefix(); got != want {
			t.Errorf("%q: literal prefix %q, want %q", pattern, got, want)
		}
	}
}
