package config

import (
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// Key sets generated for the tests (public halves only end up in documents).
var (
	ecJWKS = func() string {
		k, err := mint.NewEC("ec-1")
		if err != nil {
			panic(err)
		}
		return string(mint.JWKS(k))
	}()
	twoKeyJWKS = func() string {
		a, err := mint.NewEC("ec-a")
		if err != nil {
			panic(err)
		}
		b, err := mint.NewEC("ec-b")
		if err != nil {
			panic(err)
		}
		return string(mint.JWKS(a, b))
	}()
)

// withProvider is a document with provider "corp" (local keys, issuer https://idp/) whose
// members are extended by extra (",\"forward\":true"), and one open catch-all rule.
func withProvider(extra string) string {
	return `{"providers":{"corp":{"issuer":"https://idp/","local_jwks":` + ecJWKS + extra + `}},"rules":[{"match":{"prefix":"/"}}]}`
}

// withRemote is a provider with remote_jwks whose members are extended by extra.
func withRemote(extra string) string {
	return `{"providers":{"corp":{"issuer":"https://idp/","remote_jwks":{"cluster":"idp","authority":"idp.example.com","path":"/jwks"` +
		extra + `}}},"rules":[{"match":{"prefix":"/"}}]}`
}

// withRules is provider "corp" and the given rules array body.
func withRules(rules string) string {
	return `{"providers":{"corp":{"issuer":"https://idp/","local_jwks":` + ecJWKS + `}},"rules":[` + rules + `]}`
}

// withTop is provider "corp", one open rule, and extra top-level members.
func withTop(extra string) string {
	return `{"providers":{"corp":{"issuer":"https://idp/","local_jwks":` + ecJWKS + `}},"rules":[{"match":{"prefix":"/"}}]` + extra + `}`
}

// issueContract is the configuration of the issue that defined this package, with keys.
func issueContract() string {
	return `{
  "providers": {
    "corp": {
      "issuer": "https://idp.example.com/",
      "audiences": ["orders-api"],
      "remote_jwks": {"cluster": "idp", "authority": "idp.example.com",
                      "path": "/.well-known/jwks.json", "refresh_interval": "300s", "timeout": "5s"},
      "local_jwks": ` + ecJWKS + `,
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
    {"match": {"regex": "^/orders/[0-9]+$"}, "require": {"any_scopes": ["orders:read", "orders:admin"]}},
    {"match": {"path": "/me"}, "require": {"providers": ["corp"]}}
  ]
}`
}

var defaultLimits = Limits{
	MaxTokenBytes: 8192, MaxJWKSBytes: 262144, MaxKeys: 100, CacheEntries: 10000,
	MaxPendingRequests: 1000, PendingTimeout: 10 * time.Second,
}

// acceptedCase is a document Parse must accept, and what the values must be.
type acceptedCase struct {
	name  string
	doc   string
	check func(t *testing.T, c *Config)
}

func acceptedCases() []acceptedCase {
	return append(policyAccepted(), []acceptedCase{
		{"issue contract", issueContract(), func(t *testing.T, c *Config) {
			p := only(t, c)
			eq(t, "name", p.Name, "corp")
			eq(t, "issuer", p.Issuer, "https://idp.example.com/")
			eqList(t, "audiences", p.Audiences, "orders-api")
			eq(t, "remote", *p.Remote, RemoteJWKS{
				Cluster: "idp", Authority: "idp.example.com", Path: "/.well-known/jwks.json",
				RefreshInterval: 300 * time.Second, Timeout: 5 * time.Second, RefetchMinInterval: 30 * time.Second,
				BackoffBaseInterval: time.Second, BackoffMaxInterval: 5 * time.Minute,
			})
			eq(t, "local keys", p.LocalKeys.Len(), 1)
			eq(t, "algorithms", p.Algorithms, jwtverify.NewAlgorithmSet(jwtverify.RS256, jwtverify.ES256))
			eq(t, "from_headers (name lower-cased)", len(p.FromHeaders), 1)
			eq(t, "from_headers[0]", p.FromHeaders[0], HeaderSource{Name: "authorization", ValuePrefix: "Bearer "})
			eqList(t, "from_params", p.FromParams, "access_token")
			eqList(t, "scope_claims", pathStrings(p.ScopeClaims), "scope", "scp")
			eq(t, "forward", p.Forward, false)
			eq(t, "claims_to_headers (header lower-cased)", len(p.ClaimsToHeaders), 1)
			eqClaimHeader(t, "claims_to_headers[0]", p.ClaimsToHeaders[0], "sub", "x-jwt-sub")
			eq(t, "clock_skew", p.ClockSkew, 60*time.Second)
			eq(t, "require_expiration", p.RequireExpiration, true)
			eq(t, "typ", p.Typ, "")
			eq(t, "realm", c.Realm, "jwtguard")
			eq(t, "limits", c.Limits, defaultLimits)
			eq(t, "rules", len(c.Rules), 4)
			eq(t, "rules[0] open", c.Rules[0].Require == nil, true)
			eq(t, "rules[0] kind", c.Rules[0].Match.Kind(), MatchPrefix)
			eq(t, "rules[0] value", c.Rules[0].Match.Value(), "/healthz")
			eqList(t, "rules[1] methods upper-cased", c.Rules[1].Match.Methods(), "POST", "DELETE")
			eqList(t, "rules[1] scopes", c.Rules[1].Require.Scopes, "admin")
			eq(t, "rules[1] any_scopes", len(c.Rules[1].Require.AnyScopes), 0)
			eq(t, "rules[1] providers", len(c.Rules[1].Require.Providers), 0)
			eq(t, "rules[2] kind", c.Rules[2].Match.Kind(), MatchRegex)
			eq(t, "rules[2] value as written", c.Rules[2].Match.Value(), "^/orders/[0-9]+$")
			eqList(t, "rules[2] any_scopes", c.Rules[2].Require.AnyScopes, "orders:read", "orders:admin")
			eq(t, "rules[3] kind", c.Rules[3].Match.Kind(), MatchPath)
			eq(t, "rules[3] provider is the parsed provider", len(c.Rules[3].Require.Providers) == 1 && c.Rules[3].Require.Providers[0] == p, true)
		}},
		{"minimal provider gets every default", withProvider(``), func(t *testing.T, c *Config) {
			p := only(t, c)
			eq(t, "audiences", p.Audiences == nil, true)
			eq(t, "remote", p.Remote == nil, true)
			eq(t, "algorithms", p.Algorithms, jwtverify.DefaultAlgorithms)
			eq(t, "from_headers", len(p.FromHeaders), 1)
			eq(t, "from_headers[0]", p.FromHeaders[0], HeaderSource{Name: "authorization", ValuePrefix: "Bearer "})
			eq(t, "from_params", len(p.FromParams), 0)
			eqList(t, "scope_claims", pathStrings(p.ScopeClaims), "scope", "scp")
			eq(t, "forward", p.Forward, false)
			eq(t, "claims_to_headers", len(p.ClaimsToHeaders), 0)
			eq(t, "clock_skew", p.ClockSkew, 60*time.Second)
			eq(t, "require_expiration", p.RequireExpiration, true)
			eq(t, "typ", p.Typ, "")
			eq(t, "realm", c.Realm, "jwtguard")
			eq(t, "limits", c.Limits, defaultLimits)
			eq(t, "rule kind", c.Rules[0].Match.Kind(), MatchPrefix)
			eq(t, "rule methods", len(c.Rules[0].Match.Methods()), 0)
		}},
		{"remote_jwks defaults", withRemote(``), func(t *testing.T, c *Config) {
			p := only(t, c)
			eq(t, "remote", *p.Remote, RemoteJWKS{
				Cluster: "idp", Authority: "idp.example.com", Path: "/jwks",
				RefreshInterval: 5 * time.Minute, Timeout: 5 * time.Second, RefetchMinInterval: 30 * time.Second,
				BackoffBaseInterval: time.Second, BackoffMaxInterval: 5 * time.Minute,
			})
			eq(t, "local keys", p.LocalKeys == nil, true)
		}},
		{"remote_jwks every knob", withRemote(`,"refresh_interval":"1h","timeout":"1.5s","refetch_min_interval":"2m",
			"backoff_base_interval":"250ms","backoff_max_interval":"1m30s"`), func(t *testing.T, c *Config) {
			eq(t, "remote", *only(t, c).Remote, RemoteJWKS{
				Cluster: "idp", Authority: "idp.example.com", Path: "/jwks",
				RefreshInterval: time.Hour, Timeout: 1500 * time.Millisecond, RefetchMinInterval: 2 * time.Minute,
				BackoffBaseInterval: 250 * time.Millisecond, BackoffMaxInterval: 90 * time.Second,
			})
		}},
		{"Istio cluster name", `{"providers":{"corp":{"issuer":"https://idp/","remote_jwks":{"cluster":"outbound|443||idp.example.com",
			"authority":"idp.example.com","path":"/.well-known/jwks.json?v=1"}}},"rules":[{"match":{"prefix":"/"}}]}`, func(t *testing.T, c *Config) {
			eq(t, "cluster", only(t, c).Remote.Cluster, "outbound|443||idp.example.com")
			eq(t, "path keeps its query", only(t, c).Remote.Path, "/.well-known/jwks.json?v=1")
		}},
		{"local_jwks as a string", `{"providers":{"corp":{"issuer":"i","local_jwks":"` + strings.ReplaceAll(twoKeyJWKS, `"`, `\"`) +
			`"}},"rules":[{"match":{"prefix":"/"}}]}`, func(t *testing.T, c *Config) {
			eq(t, "local keys", only(t, c).LocalKeys.Len(), 2)
		}},
		{"local_jwks with as many keys as limits.max_keys", `{"providers":{"corp":{"issuer":"i","local_jwks":` + twoKeyJWKS + `}},"rules":[{"match":{"prefix":"/"}}],"limits":{"max_keys":2}}`,
			func(t *testing.T, c *Config) {
				eq(t, "local keys", only(t, c).LocalKeys.Len(), 2)
				eq(t, "max_keys", c.Limits.MaxKeys, 2)
			}},
		{"one algorithm", withProvider(`,"algorithms":["ES256"]`), func(t *testing.T, c *Config) {
			a := only(t, c).Algorithms
			eq(t, "ES256", a.Has(jwtverify.ES256), true)
			eq(t, "RS256", a.Has(jwtverify.RS256), false)
		}},
		{"token sources", withProvider(`,"from_headers":[{"name":"X-Token"},{"name":"Authorization","value_prefix":"JWT "}],
			"from_params":["access_token","jwt"]`), func(t *testing.T, c *Config) {
			p := only(t, c)
			eq(t, "from_headers", len(p.FromHeaders), 2)
			eq(t, "from_headers[0] without prefix", p.FromHeaders[0], HeaderSource{Name: "x-token"})
			eq(t, "from_headers[1]", p.FromHeaders[1], HeaderSource{Name: "authorization", ValuePrefix: "JWT "})
			eqList(t, "from_params", p.FromParams, "access_token", "jwt")
		}},
		{"claims and scopes", withProvider(`,"scope_claims":["permissions"],"forward":true,
			"claims_to_headers":[{"claim":"sub","header":"X-Sub"},{"claim":"email","header":"x-email"}]`), func(t *testing.T, c *Config) {
			p := only(t, c)
			eqList(t, "scope_claims", pathStrings(p.ScopeClaims), "permissions")
			eq(t, "forward", p.Forward, true)
			eq(t, "claims_to_headers", len(p.ClaimsToHeaders), 2)
			eqClaimHeader(t, "claims_to_headers[0]", p.ClaimsToHeaders[0], "sub", "x-sub")
			eqClaimHeader(t, "claims_to_headers[1]", p.ClaimsToHeaders[1], "email", "x-email")
		}},
		{"claim checks", withProvider(`,"clock_skew":"0s","require_expiration":false,"typ":"at+jwt","audiences":["a","b"]`), func(t *testing.T, c *Config) {
			p := only(t, c)
			eq(t, "clock_skew zero is allowed", p.ClockSkew, time.Duration(0))
			eq(t, "require_expiration", p.RequireExpiration, false)
			eq(t, "typ", p.Typ, "at+jwt")
			eqList(t, "audiences", p.Audiences, "a", "b")
		}},
		{"duration forms", withProvider(`,"clock_skew":"1m30.5s"`), func(t *testing.T, c *Config) {
			eq(t, "clock_skew", only(t, c).ClockSkew, 90*time.Second+500*time.Millisecond)
		}},
		{"micro sign", withTop(`,"limits":{"pending_timeout":"1500000µs"}`), func(t *testing.T, c *Config) {
			eq(t, "pending_timeout", c.Limits.PendingTimeout, 1500*time.Millisecond)
		}},
		{"every limit", withTop(`,"limits":{"max_token_bytes":512,"max_jwks_bytes":4194304,"max_keys":1000,"cache_entries":0,
			"max_pending_requests":0,"pending_timeout":"5m"}`), func(t *testing.T, c *Config) {
			eq(t, "limits", c.Limits, Limits{MaxTokenBytes: 512, MaxJWKSBytes: 4 << 20, MaxKeys: 1000, CacheEntries: 0,
				MaxPendingRequests: 0, PendingTimeout: 5 * time.Minute})
		}},
		{"realm", withTop(`,"realm":"orders api"`), func(t *testing.T, c *Config) {
			eq(t, "realm", c.Realm, "orders api")
		}},
		{"providers sorted by name, rules keep pointers", `{"providers":{
			"zeta":{"issuer":"https://z/","local_jwks":` + ecJWKS + `},
			"alpha.v2":{"issuer":"https://a/","local_jwks":` + ecJWKS + `}},
			"rules":[{"match":{"prefix":"/z"},"require":{"providers":["zeta","alpha.v2"]}},{"match":{"prefix":"/"},"require":{}}]}`,
			func(t *testing.T, c *Config) {
				eq(t, "providers", len(c.Providers), 2)
				eq(t, "providers[0]", c.Providers[0].Name, "alpha.v2")
				eq(t, "providers[1]", c.Providers[1].Name, "zeta")
				req := c.Rules[0].Require
				eq(t, "require.providers in document order", len(req.Providers) == 2 && req.Providers[0] == c.Providers[1] && req.Providers[1] == c.Providers[0], true)
				eq(t, "Allows zeta", c.Rules[0].Allows(c.Providers[1]), true)
				eq(t, "empty require: non-nil", c.Rules[1].Require != nil, true)
				eq(t, "empty require: any provider", len(c.Rules[1].Require.Providers), 0)
				eq(t, "empty require: no scope", len(c.Rules[1].Require.Scopes)+len(c.Rules[1].Require.AnyScopes), 0)
				eq(t, "Allows any", c.Rules[1].Allows(c.Providers[0]) && c.Rules[1].Allows(c.Providers[1]), true)
			}},
		{"require.providers limits who may vouch", `{"providers":{
			"a":{"issuer":"https://a/","local_jwks":` + ecJWKS + `},"b":{"issuer":"https://b/","local_jwks":` + ecJWKS + `}},
			"rules":[{"match":{"prefix":"/"},"require":{"providers":["b"],"scopes":["x","y"],"any_scopes":["r","w"]}}]}`,
			func(t *testing.T, c *Config) {
				r := &c.Rules[0]
				eq(t, "Allows a", r.Allows(c.Providers[0]), false)
				eq(t, "Allows b", r.Allows(c.Providers[1]), true)
				eqList(t, "scopes", r.Require.Scopes, "x", "y")
				eqList(t, "any_scopes", r.Require.AnyScopes, "r", "w")
			}},
		{"rules of every kind", withRules(`{"match":{"path":"/login","methods":["get","Post"]}},{"match":{"regex":"/v[0-9]+/items"},"require":{}},
			{"match":{"prefix":"/v1"},"require":{"scopes":["read"]}}`), func(t *testing.T, c *Config) {
			eq(t, "rules", len(c.Rules), 3)
			eq(t, "rules[0] kind", c.Rules[0].Match.Kind(), MatchPath)
			eqList(t, "rules[0] methods", c.Rules[0].Match.Methods(), "GET", "POST")
			eq(t, "rules[1] kind", c.Rules[1].Match.Kind(), MatchRegex)
			eq(t, "rules[1] literal prefix", c.Rules[1].Match.literal, "/v")
			eq(t, "rules[2] kind", c.Rules[2].Match.Kind(), MatchPrefix)
		}},
		{"a later rule for other methods is reachable", withRules(`{"match":{"prefix":"/a","methods":["GET"]}},{"match":{"prefix":"/a/b"},"require":{}}`),
			func(t *testing.T, c *Config) { eq(t, "rules", len(c.Rules), 2) }},
		{"escaped member names mean the same field", `{"providers":{"corp":{"\u0069ssuer":"https://idp/","local_jwks":` + ecJWKS +
			`}},"rules":[{"match":{"prefix":"/"}}]}`, func(t *testing.T, c *Config) {
			eq(t, "issuer", only(t, c).Issuer, "https://idp/")
		}},
	}...)
}

func TestParseAccepted(t *testing.T) {
	for _, tc := range acceptedCases() {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.doc))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			tc.check(t, c)
		})
	}
}

func only(t *testing.T, c *Config) *Provider {
	t.Helper()
	if len(c.Providers) != 1 {
		t.Fatalf("%d providers, want 1", len(c.Providers))
	}
	return c.Providers[0]
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

func eqList(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}
