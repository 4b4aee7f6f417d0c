package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
	"github.com/jwtguard/jwtguard/jwtverify"
)

var testJWKS = func() string {
	k, err := mint.NewEC("ec-1")
	if err != nil {
		panic(err)
	}
	return string(mint.JWKS(k))
}()

// fullExample is the contract of the configuration issue, with a local key set.
func fullExample() string {
	return `{
  "providers": {
    "corp": {
      "issuer": "https://idp.example.com/",
      "audiences": ["orders-api"],
      "remote_jwks": {"cluster": "idp", "authority": "idp.example.com",
                      "path": "/.well-known/jwks.json", "refresh_interval": "300s", "timeout": "5s"},
      "local_jwks": ` + testJWKS + `,
      "algorithms": ["RS256", "ES256"],
      "from_headers": [{"name": "Authorization", "value_prefix": "Bearer "}],
      "from_params": ["access_token"],
      "scope_claims": ["scope", "scp"],
      "forward": false,
      "claims_to_headers": [{"claim": "sub", "header": "X-JWT-Sub"}],
      "clock_skew": "60s"
    }
  },
  "rules": [
    {"match": {"prefix": "/healthz"}},
    {"match": {"prefix": "/admin", "methods": ["POST", "delete"]}, "require": {"scopes": ["admin"]}},
    {"match": {"regex": "/orders/[0-9]+"}, "require": {"any_scopes": ["orders:read", "orders:admin"]}},
    {"match": {"path": "/me"}, "require": {"providers": ["corp"]}}
  ]
}`
}

func TestParseFullExample(t *testing.T) {
	c, err := Parse([]byte(fullExample()))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Providers) != 1 || c.Realm != DefaultRealm {
		t.Fatalf("providers %d realm %q", len(c.Providers), c.Realm)
	}
	p := c.Providers[0]
	checks := []struct {
		name string
		ok   bool
	}{
		{"name", p.Name == "corp"},
		{"issuer", p.Issuer == "https://idp.example.com/"},
		{"audiences", len(p.Audiences) == 1 && p.Audiences[0] == "orders-api"},
		{"remote", p.Remote != nil && p.Remote.Cluster == "idp" && p.Remote.Authority == "idp.example.com" &&
			p.Remote.Path == "/.well-known/jwks.json" && p.Remote.RefreshInterval == 300*time.Second &&
			p.Remote.Timeout == 5*time.Second && p.Remote.RefetchMinInterval == DefaultRefetchMinInterval},
		{"local keys", p.LocalKeys != nil && p.LocalKeys.Len() == 1},
		{"algorithms", p.Algorithms.Has(jwtverify.RS256) && p.Algorithms.Has(jwtverify.ES256)},
		{"from_headers lower-cased", len(p.FromHeaders) == 1 && p.FromHeaders[0] == HeaderSource{"authorization", "Bearer "}},
		{"from_params", len(p.FromParams) == 1 && p.FromParams[0] == "access_token"},
		{"claims_to_headers lower-cased", len(p.ClaimsToHeaders) == 1 && p.ClaimsToHeaders[0] == ClaimHeader{"sub", "x-jwt-sub"}},
		{"clock skew", p.ClockSkew == 60*time.Second},
		{"require expiration default", p.RequireExpiration},
		{"rules", len(c.Rules) == 4},
		{"open rule", c.Rules[0].Require == nil},
		{"scopes", c.Rules[1].Require != nil && len(c.Rules[1].Require.Scopes) == 1},
		{"any scopes", c.Rules[2].Require != nil && len(c.Rules[2].Require.AnyScopes) == 2},
		{"providers", c.Rules[3].Require != nil && len(c.Rules[3].Require.Providers) == 1 && c.Rules[3].Require.Providers[0] == p},
		{"limits default", c.Limits == Limits{jwtverify.DefaultMaxTokenBytes, DefaultMaxJWKSBytes, DefaultMaxKeys, DefaultCacheEntries, DefaultMaxPending, DefaultPendingTimeout}},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: unexpected value", ch.name)
		}
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse([]byte(`{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/"},"require":{}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Providers[0]
	if len(p.FromHeaders) != 1 || p.FromHeaders[0] != (HeaderSource{"authorization", "Bearer "}) {
		t.Errorf("default from_headers = %+v", p.FromHeaders)
	}
	if strings.Join(p.ScopeClaims, ",") != "scope,scp" || p.Forward || p.ClockSkew != DefaultClockSkew ||
		p.Algorithms != jwtverify.DefaultAlgorithms || p.Remote != nil || len(p.FromParams) != 0 {
		t.Errorf("defaults: %+v", p)
	}
	if c.Rules[0].Require == nil || len(c.Rules[0].Require.Providers) != 0 {
		t.Error(`"require": {} must ask for a token from any provider`)
	}
}

func TestLocalJWKSAsString(t *testing.T) {
	quoted := strings.ReplaceAll(testJWKS, `"`, `\"`)
	c, err := Parse([]byte(`{"providers":{"p":{"issuer":"i","local_jwks":"` + quoted + `"}},"rules":[{"match":{"prefix":"/"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Providers[0].LocalKeys.Len() != 1 {
		t.Fatal("local_jwks given as a string was not parsed")
	}
}

func TestMatch(t *testing.T) {
	c, err := Parse([]byte(fullExample()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		want         int // rule index, -1 none
	}{
		{"GET", "/healthz", 0},
		{"GET", "/healthz/live?x=1", 0},
		{"POST", "/admin/users", 1},
		{"DELETE", "/admin", 1},
		{"GET", "/admin", -1},
		{"GET", "/orders/42", 2},
		{"GET", "/orders/42?expand=1", 2},
		{"GET", "/orders/42/items", -1},
		{"GET", "/x/orders/42", -1},
		{"GET", "/me", 3},
		{"GET", "/me/", -1},
		{"GET", "/me#frag", 3},
		{"GET", "/unknown", -1},
	}
	for _, tc := range tests {
		got := c.Match(tc.method, tc.path)
		idx := -1
		for i := range c.Rules {
			if got == &c.Rules[i] {
				idx = i
			}
		}
		if idx != tc.want {
			t.Errorf("Match(%s %s) = rule %d, want %d", tc.method, tc.path, idx, tc.want)
		}
	}
}

func TestRejected(t *testing.T) {
	provider := func(extra string) string {
		return `{"providers":{"corp":{"issuer":"https://i/","local_jwks":` + testJWKS + extra + `}},"rules":[{"match":{"prefix":"/"}}]}`
	}
	tests := []struct {
		name  string
		doc   string
		paths []string // every one must appear in the error
	}{
		{"empty document", ``, []string{"the configuration is empty"}},
		{"not JSON", `{"providers":`, []string{"not valid JSON"}},
		{"not an object", `[]`, []string{"must be an object"}},
		{"unknown top-level field", `{"providers":{},"rules":[],"rulez":[]}`, []string{"rulez: unknown field"}},
		{"providers missing", `{"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers: is required"}},
		{"rules missing", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}}}`, []string{"rules: is required"}},
		{"issuer missing", `{"providers":{"corp":{"local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.issuer: is required"}},
		{"issuer empty", `{"providers":{"corp":{"issuer":"","local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.issuer: must not be empty"}},
		{"issuer wrong type", `{"providers":{"corp":{"issuer":7,"local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.issuer: must be a string, got a number"}},
		{"no keys", `{"providers":{"corp":{"issuer":"i"}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp: needs remote_jwks or local_jwks"}},
		{"unknown provider field (typo)", provider(`,"audience":["a"]`), []string{"providers.corp.audience: unknown field"}},
		{"duplicate member", provider(`,"forward":true,"forward":false`), []string{"providers.corp.forward: appears more than once"}},
		{"zero timeout", provider(`,"remote_jwks":{"cluster":"c","authority":"a","path":"/j","timeout":"0s"}`), []string{"providers.corp.remote_jwks.timeout: must be"}},
		{"negative refresh", provider(`,"remote_jwks":{"cluster":"c","authority":"a","path":"/j","refresh_interval":"-5s"}`), []string{"providers.corp.remote_jwks.refresh_interval"}},
		{"unparsable duration", provider(`,"clock_skew":"a minute"`), []string{`providers.corp.clock_skew: must be a duration`}},
		{"duration as a number", provider(`,"clock_skew":60`), []string{"providers.corp.clock_skew: must be a duration string"}},
		{"remote without cluster, path relative", provider(`,"remote_jwks":{"authority":"a","path":"j"}`), []string{"providers.corp.remote_jwks.cluster: is required", `providers.corp.remote_jwks.path: must start with "/"`}},
		{"bad local_jwks", `{"providers":{"corp":{"issuer":"i","local_jwks":{"keys":[]}}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.local_jwks: the key set has no usable key"}},
		{"unknown algorithm", provider(`,"algorithms":["HS256"]`), []string{`providers.corp.algorithms[0]: must be "RS256" or "ES256"`}},
		{"empty algorithms", provider(`,"algorithms":[]`), []string{"providers.corp.algorithms: must not be empty"}},
		{"duplicate claim headers", provider(`,"claims_to_headers":[{"claim":"sub","header":"x-a"},{"claim":"email","header":"X-A"}]`), []string{"providers.corp.claims_to_headers[1].header: duplicate header x-a"}},
		{"pseudo-header claim header", provider(`,"claims_to_headers":[{"claim":"sub","header":":path"}]`), []string{"providers.corp.claims_to_headers[0].header: must not be a pseudo-header"}},
		{"invalid header name", provider(`,"from_headers":[{"name":"x bad"}]`), []string{"providers.corp.from_headers[0].name: is not a valid header name"}},
		{"duplicate issuers", `{"providers":{"a":{"issuer":"i","local_jwks":` + testJWKS + `},"b":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.b.issuer: is also the issuer of provider a"}},
		{"no rules", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[]}`, []string{"rules: must list at least one rule"}},
		{"two match kinds", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/","path":"/a"}}]}`, []string{"rules[0].match: needs exactly one of prefix, path or regex"}},
		{"no match", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"require":{}}]}`, []string{"rules[0].match: is required"}},
		{"regex does not compile", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"regex":"(a"}}]}`, []string{"rules[0].match.regex: does not compile as RE2"}},
		{"backreference is not RE2", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"regex":"(a)\\1"}}]}`, []string{"rules[0].match.regex: does not compile as RE2"}},
		{"undefined provider in a rule", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/"},"require":{"providers":["q"]}}]}`, []string{"rules[0].require.providers[0]: names no provider: q"}},
		{"misspelt require", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/"},"requires":{}}]}`, []string{"rules[0].requires: unknown field"}},
		{"prefix without slash", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"api"}}]}`, []string{`rules[0].match.prefix: must start with "/"`}},
		{"limits out of range", `{"providers":{"p":{"issuer":"i","local_jwks":` + testJWKS + `}},"rules":[{"match":{"prefix":"/"}}],"limits":{"max_token_bytes":10,"cache_entries":-1,"pending_timeout":"1h"}}`,
			[]string{"limits.max_token_bytes: must be between", "limits.cache_entries: must be between", "limits.pending_timeout: must be between"}},
		{"every problem is reported", `{"providers":{"corp":{"issuer":"","clock_skew":"x"}},"rules":[{"match":{"regex":"("}}]}`,
			[]string{"providers.corp.issuer", "providers.corp.clock_skew", "providers.corp: needs remote_jwks", "rules[0].match.regex"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error is %T, want *config.Error", err)
			}
			for _, p := range tc.paths {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not mention %q", err, p)
				}
			}
		})
	}
}
