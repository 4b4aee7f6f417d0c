package config

import (
	"testing"
)

func TestHostOf(t *testing.T) {
	for in, want := range map[string]string{
		"api.example.com":       "api.example.com",
		"api.example.com:8443":  "api.example.com",
		"api.example.com.":      "api.example.com",
		"api.example.com.:443":  "api.example.com",
		"[2001:db8::1]:443":     "[2001:db8::1]",
		"[2001:db8::1]":         "[2001:db8::1]",
		"10.0.0.1:80":           "10.0.0.1",
		"":                      "",
		".":                     ".",
		"api.example.com..":     "api.example.com.",
		"[::1":                  "[::1",
		"api.example.com:":      "api.example.com",
		"user@api.example.com":  "user@api.example.com",
		"API.Example.COM:80":    "API.Example.COM",
		"api.example.com:80:80": "api.example.com:80",
	} {
		if got := hostOf(in); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMatchHostsAndHeaders: request → rule for host and header tests, with repeated and
// comma-joined headers, and first match wins.
func TestMatchHostsAndHeaders(t *testing.T) {
	c, err := Parse([]byte(withRules(`
		{"match":{"prefix":"/","hosts":["Status.Example.com"]}},
		{"match":{"prefix":"/","hosts":["*.internal.example.com","[2001:db8::1]"]},"require":{}},
		{"match":{"prefix":"/t","headers":[{"name":"X-Tenant","exact":"acme"}]},"require":{}},
		{"match":{"prefix":"/t","headers":[{"name":"x-tenant","prefix":"beta-"},{"name":"x-debug","present":true}]},"require":{}},
		{"match":{"prefix":"/t","headers":[{"name":"x-tenant","regex":"t-[0-9]+"}]},"require":{}},
		{"match":{"prefix":"/"},"require":{"scopes":["x"]}}`)))
	if err != nil {
		t.Fatal(err)
	}
	h := func(kv ...string) [][2]string {
		var out [][2]string
		for i := 0; i < len(kv); i += 2 {
			out = append(out, [2]string{kv[i], kv[i+1]})
		}
		return out
	}
	tests := []struct {
		name      string
		authority string
		path      string
		headers   [][2]string
		want      int // -1: no rule
		ambiguous bool
	}{
		{"exact host", "status.example.com", "/x", nil, 0, false},
		{"exact host, any case, with a port", "STATUS.example.COM:8080", "/x", nil, 0, false},
		{"exact host with a trailing dot", "status.example.com.", "/x", nil, 0, false},
		{"another host", "statusx.example.com", "/x", nil, 5, false},
		{"a subdomain is not the exact host", "a.status.example.com", "/x", nil, 5, false},
		{"wildcard one label", "a.internal.example.com", "/x", nil, 1, false},
		{"wildcard two labels", "a.b.internal.example.com:443", "/x", nil, 1, false},
		{"wildcard, upper case", "A.INTERNAL.EXAMPLE.COM", "/x", nil, 1, false},
		{"wildcard does not match its apex", "internal.example.com", "/x", nil, 5, false},
		{"wildcard needs the dot", "xinternal.example.com", "/x", nil, 5, false},
		{"IPv6 literal", "[2001:db8::1]:8443", "/x", nil, 1, false},
		{"no authority", "", "/x", nil, 5, false},
		{"exact header", "api", "/t", h("x-tenant", "acme"), 2, false},
		{"exact is case-sensitive", "api", "/t", h("x-tenant", "ACME"), 5, false},
		{"exact header repeated", "api", "/t", h("x-tenant", "acme", "x-tenant", "acme"), -1, true},
		{"exact header repeated, one other", "api", "/t", h("x-tenant", "evil", "x-tenant", "acme"), -1, true},
		{"comma-joined is one value", "api", "/t", h("x-tenant", "acme,evil"), 5, false},
		{"prefix and present", "api", "/t", h("x-tenant", "beta-1", "x-debug", ""), 3, false},
		{"prefix, present missing", "api", "/t", h("x-tenant", "beta-1"), 5, false},
		{"present repeated is fine", "api", "/t", h("x-tenant", "beta-1", "x-debug", "1", "x-debug", "2"), 3, false},
		{"comma-joined value under a prefix test", "api", "/t", h("x-tenant", "beta-1,acme", "x-debug", "1"), 3, false},
		{"regex matches the whole value", "api", "/t", h("x-tenant", "t-42"), 4, false},
		{"regex anchored", "api", "/t", h("x-tenant", "t-42x"), 5, false},
		{"regex, comma-joined", "api", "/t", h("x-tenant", "t-1,t-2"), 5, false},
		{"header tests only for their rule's path", "api", "/x", h("x-tenant", "acme", "x-tenant", "b"), 5, false},
		{"a repeated header of a rule tried later does not matter", "status.example.com", "/t", h("x-tenant", "a", "x-tenant", "b"), 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, amb := c.Match(&Request{Method: "GET", Path: tc.path, Authority: tc.authority, Headers: tc.headers})
			idx := -1
			for i := range c.Rules {
				if got == &c.Rules[i] {
					idx = i
				}
			}
			if idx != tc.want || amb != tc.ambiguous {
				t.Fatalf("rule %d ambiguous %v, want %d %v", idx, amb, tc.want, tc.ambiguous)
			}
		})
	}
}

// TestMatchAllocatesNothing: host and header tests add no allocation to matching.
func TestMatchAllocatesNothing(t *testing.T) {
	c, err := Parse([]byte(withRules(`{"match":{"prefix":"/a","hosts":["*.example.com"],"headers":[{"name":"x-t","regex":"t-[0-9]+"}]},"require":{}},
		{"match":{"prefix":"/","hosts":["API.example.com"],"headers":[{"name":"x-t","prefix":"t"}]},"require":{}}`)))
	if err != nil {
		t.Fatal(err)
	}
	req := benchRequest("/b/c?x=1")
	req.Headers = append(req.Headers, [2]string{"x-t", "t-1"})
	if n := testing.AllocsPerRun(100, func() { c.Match(req) }); n != 0 {
		t.Fatalf("%v allocations per match", n)
	}
}
