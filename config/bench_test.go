package config

import (
	"strconv"
	"strings"
	"testing"
)

// BenchmarkMatch: the cost of finding the rule for a request that matches the last of n
// rules (every earlier rule is tried and refused: the worst case), for each kind of
// matcher. The request path carries a query string, as real ones often do.
func BenchmarkMatch(b *testing.B) {
	for _, kind := range []string{"prefix", "exact", "regex"} {
		for _, n := range []int{1, 10, 100} {
			b.Run(kind+"-"+strconv.Itoa(n), func(b *testing.B) {
				c := benchConfig(b, kind, n)
				path := "/svc" + strconv.Itoa(n-1) + "/items"
				if kind == "regex" {
					path += "/42"
				}
				path += "?page=2"
				want := &c.Rules[n-1]
				req := benchRequest(path)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if r, _ := c.Match(req); r != want {
						b.Fatal("wrong rule")
					}
				}
			})
		}
	}
}

// benchRequest is a request with the headers a browser or SDK typically sends.
func benchRequest(path string) *Request {
	return &Request{Method: "GET", Path: path, Authority: "api.example.com:443", Headers: [][2]string{
		{":method", "GET"}, {":path", path}, {":authority", "api.example.com:443"}, {":scheme", "https"},
		{"user-agent", "bench/1.0"}, {"accept", "application/json"}, {"x-tenant", "t-17"},
		{"authorization", "Bearer x"}, {"x-request-id", "4bf92f3577b34da6"}}}
}

// BenchmarkMatchHostHeaders: the same worst case (the request matches the last of n rules)
// when every rule also tests the host (exact, or a wildcard every request fits) and a header,
// so every rule runs the tests before the path of the last one decides.
func BenchmarkMatchHostHeaders(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			rules := make([]string, n)
			for i := range rules {
				host := `"*.example.com"`
				if i%2 == 1 {
					host = `"API.example.com"`
				}
				rules[i] = `{"match":{"prefix":"/svc` + strconv.Itoa(i) + `/items","hosts":[` + host + `],` +
					`"headers":[{"name":"x-tenant","prefix":"t-"}]},"require":{}}`
			}
			c, err := Parse([]byte(withRules(strings.Join(rules, ","))))
			if err != nil {
				b.Fatal(err)
			}
			req := benchRequest("/svc" + strconv.Itoa(n-1) + "/items?page=2")
			want := &c.Rules[n-1]
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r, _ := c.Match(req); r != want {
					b.Fatal("wrong rule")
				}
			}
		})
	}
}

// benchConfig has n rules of one kind, each for its own service: /svcI/items (prefix,
// exact) or ^/svcI/items/[0-9]+$ (regex).
func benchConfig(b *testing.B, kind string, n int) *Config {
	b.Helper()
	field := map[string]string{"prefix": "prefix", "exact": "path", "regex": "regex"}[kind]
	rules := make([]string, n)
	for i := range rules {
		v := "/svc" + strconv.Itoa(i) + "/items"
		if kind == "regex" {
			v += "/[0-9]+"
		}
		rules[i] = `{"match":{"` + field + `":"` + v + `"},"require":{}}`
	}
	c, err := Parse([]byte(withRules(strings.Join(rules, ","))))
	if err != nil {
		b.Fatal(err)
	}
	return c
}
