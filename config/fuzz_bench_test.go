package config

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParse: any document parses or is refused with an *Error; nothing panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(fullExample()))
	f.Add([]byte(`{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"regex":"^/a$"}}]}`))
	f.Add([]byte(`{"providers":{"corp":{"issuer":"","clock_skew":"x"}},"rules":[{"match":{"regex":"("}}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := Parse(doc)
		if err == nil {
			if len(c.Providers) == 0 || len(c.Rules) == 0 {
				t.Fatal("accepted a configuration without providers or rules")
			}
			c.Match("GET", "/x?y")
			return
		}
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error of type %T", err)
		}
	})
}

// BenchmarkMatch: the cost of finding the rule for a request that matches the last of n
// rules (the worst case), for each kind of matcher.
func BenchmarkMatch(b *testing.B) {
	for _, kind := range []string{"prefix", "path", "regex"} {
		for _, n := range []int{1, 10, 100} {
			b.Run(kind+"-"+strconv.Itoa(n), func(b *testing.B) {
				rules := make([]string, n)
				for i := range rules {
					v := "/svc" + strconv.Itoa(i) + "/items"
					if kind == "regex" {
						v = "/svc" + strconv.Itoa(i) + "/items/[0-9]+"
					}
					rules[i] = `{"match":{"` + kind + `":"` + v + `"},"require":{}}`
				}
				c, err := Parse([]byte(`{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[` + strings.Join(rules, ",") + `]}`))
				if err != nil {
					b.Fatal(err)
				}
				path := "/svc" + strconv.Itoa(n-1) + "/items"
				if kind == "regex" {
					path += "/42"
				}
				path += "?q=1"
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if c.Match("GET", path) == nil {
						b.Fatal("no match")
					}
				}
			})
		}
	}
}
