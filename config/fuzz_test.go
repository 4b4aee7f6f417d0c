package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any document is either accepted as a configuration that holds together, or
// refused with an *Error naming at least one problem; nothing panics, and the verdict does
// not depend on anything but the document. Seeds: every document of the table tests and
// of testdata/.
func FuzzParse(f *testing.F) {
	for _, tc := range acceptedCases() {
		f.Add([]byte(tc.doc))
	}
	for _, tc := range rejectedCases() {
		if len(tc.doc) <= 64<<10 {
			f.Add([]byte(tc.doc))
		}
	}
	files, _ := filepath.Glob("testdata/*/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := Parse(doc)
		c2, err2 := Parse(doc)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("two parses disagree: %v / %v", err, err2)
		}
		if err != nil {
			e, ok := err.(*Error)
			if !ok || c != nil || len(e.Problems) == 0 {
				t.Fatalf("refusal: config %v, error %T %v", c, err, err)
			}
			for _, p := range e.Problems {
				if p.Message == "" {
					t.Fatalf("problem at %q without a message", p.Path)
				}
			}
			return
		}
		_ = c2
		checkCoherent(t, c)
	})
}

// checkCoherent asserts what every accepted configuration guarantees the filter.
func checkCoherent(t *testing.T, c *Config) {
	t.Helper()
	if len(c.Providers) == 0 || len(c.Rules) == 0 {
		t.Fatal("accepted a configuration without providers or rules")
	}
	issuers := map[string]bool{}
	for _, p := range c.Providers {
		if p.Issuer == "" || issuers[p.Issuer] {
			t.Fatalf("provider %q: empty or repeated issuer", p.Name)
		}
		issuers[p.Issuer] = true
		if p.Remote == nil && p.LocalKeys == nil {
			t.Fatalf("provider %q without keys", p.Name)
		}
		if p.Algorithms == 0 || len(p.FromHeaders) == 0 || len(p.ScopeClaims) == 0 {
			t.Fatalf("provider %q: empty algorithms, token headers or scope claims", p.Name)
		}
		if p.Remote != nil && (p.Remote.Timeout <= 0 || p.Remote.Timeout >= p.Remote.RefreshInterval ||
			p.Remote.RefetchMinInterval <= 0 || p.Remote.BackoffBaseInterval <= 0 || p.Remote.BackoffBaseInterval > p.Remote.BackoffMaxInterval) {
			t.Fatalf("provider %q: remote_jwks durations %+v", p.Name, *p.Remote)
		}
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.Match.Kind() == 0 || (r.Match.Kind() == MatchRegex) != (r.Match.re != nil) {
			t.Fatalf("rules[%d]: matcher not built", i)
		}
		for _, hm := range r.Match.headers {
			if hm.name == "" || (hm.kind == headerRegex) != (hm.re != nil) {
				t.Fatalf("rules[%d]: header test not built: %+v", i, hm)
			}
		}
		if r.Require != nil {
			req := r.Require
			if req.Token != TokenRequired && len(req.Scopes)+len(req.AnyScopes)+len(req.Claims)+len(req.AnyClaims) > 0 {
				t.Fatalf("rules[%d]: an optional token with scopes or claim conditions", i)
			}
			for _, cond := range append(append([]*Condition{}, req.Claims...), req.AnyClaims...) {
				if cond.ID >= len(c.Conditions) || c.Conditions[cond.ID] != cond || len(cond.Path.Segments()) == 0 || cond.Op == 0 {
					t.Fatalf("rules[%d]: condition %+v not in Conditions or not built", i, cond)
				}
			}
			for _, p := range r.Require.Providers {
				found := false
				for _, q := range c.Providers {
					found = found || p == q
				}
				if !found {
					t.Fatalf("rules[%d] names a provider that is not in Providers", i)
				}
			}
		}
	}
	for _, path := range []string{"/", "/x?y", "", "?", "/a#b", "/\xff"} {
		c.Match(&Request{Method: "GET", Path: path, Authority: "a.example.com:80", Headers: [][2]string{{"x", "y"}, {"x", "z"}}})
		c.Match(&Request{Path: path, Authority: "[::1"})
	}
}
