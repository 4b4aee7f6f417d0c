// Package config is jwtguard's plugin configuration: one JSON document (the
// `configuration` of Envoy's wasm filter, or an Istio WasmPlugin's pluginConfig), parsed
// once at plugin start into typed, validated values. A document with any problem is
// refused as a whole, with every problem named by its JSON path: a typo must never open a
// route. The vocabulary follows Envoy's jwt_authn (providers, issuer, audiences,
// remote_jwks, from_headers, forward, claim_to_headers) plus route rules with scopes.
package config

import (
	"sort"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// Config is a parsed, validated configuration.
type Config struct {
	Realm     string      // the realm of WWW-Authenticate challenges
	Providers []*Provider // sorted by name
	Rules     []Rule      // in order; the first match wins
	Limits    Limits
}

// Provider is an issuer of tokens and where its keys come from.
type Provider struct {
	Name              string
	Issuer            string
	Audiences         []string // empty: aud not checked
	Remote            *RemoteJWKS
	LocalKeys         *jwtverify.KeySet
	Algorithms        jwtverify.AlgorithmSet
	FromHeaders       []HeaderSource
	FromParams        []string
	ScopeClaims       []string
	Forward           bool
	ClaimsToHeaders   []ClaimHeader
	ClockSkew         time.Duration
	RequireExpiration bool
	Typ               string // "" → not checked
}

// RemoteJWKS is a JWKS fetched with proxy_http_call from an Envoy cluster.
type RemoteJWKS struct {
	Cluster            string
	Authority          string
	Path               string
	RefreshInterval    time.Duration
	Timeout            time.Duration
	RefetchMinInterval time.Duration // least time between two refetches caused by an unknown kid
}

// HeaderSource is a header that may carry the token, after an optional scheme prefix.
type HeaderSource struct {
	Name        string // lower case
	ValuePrefix string // matched case-insensitively, e.g. "Bearer "
}

// ClaimHeader copies a claim into a request header for the upstream.
type ClaimHeader struct {
	Claim  string
	Header string // lower case
}

// Rule is a route rule: a match, and what a request needs to pass (nil: nothing, an open route).
type Rule struct {
	Match   Matcher
	Require *Requirement
}

// Requirement is what a rule asks of a token.
type Requirement struct {
	Providers []*Provider // empty: any provider, chosen by the token's iss
	Scopes    []string    // all of these
	AnyScopes []string    // at least one of these (if any are listed)
}

// Allows reports whether a token from p may pass this rule.
func (r *Rule) Allows(p *Provider) bool {
	if r.Require == nil || len(r.Require.Providers) == 0 {
		return true
	}
	for _, x := range r.Require.Providers {
		if x == p {
			return true
		}
	}
	return false
}

// Limits bound what one VM spends on hostile or broken input.
type Limits struct {
	MaxTokenBytes      int
	MaxJWKSBytes       int
	MaxKeys            int
	CacheEntries       int
	MaxPendingRequests int
	PendingTimeout     time.Duration
}

// Defaults, documented in REFERENCE.md.
const (
	DefaultRealm              = "jwtguard"
	DefaultRefreshInterval    = 5 * time.Minute
	DefaultTimeout            = 5 * time.Second
	DefaultRefetchMinInterval = 30 * time.Second
	DefaultClockSkew          = 60 * time.Second
	DefaultMaxJWKSBytes       = 256 << 10
	DefaultMaxKeys            = 100
	DefaultCacheEntries       = 10000
	DefaultMaxPending         = 1000
	DefaultPendingTimeout     = 10 * time.Second
)

// Parse validates doc and returns the typed configuration, or an *Error listing every
// problem.
func Parse(doc []byte) (*Config, error) {
	r := &reader{}
	if len(strings.TrimSpace(string(doc))) == 0 {
		return nil, &Error{[]Problem{{"", "the configuration is empty; a JSON object with providers and rules is required"}}}
	}
	if !gjson.ValidBytes(doc) {
		return nil, &Error{[]Problem{{"", "the configuration is not valid JSON"}}}
	}
	root := gjson.ParseBytes(doc)
	if !r.object(root, "", "providers", "rules", "realm", "limits") {
		return nil, &Error{r.problems}
	}
	c := &Config{Realm: DefaultRealm}
	if v := member(root, "realm"); v.Exists() {
		c.Realm = r.str(root, "", "realm", false)
		if strings.ContainsAny(c.Realm, "\"\\\r\n") || hasControl(c.Realm) {
			r.fail("realm", "must not contain quotes, backslashes or control characters")
		}
	}
	c.Limits = r.limits(member(root, "limits"))
	c.Providers = r.providers(member(root, "providers"), c.Limits)
	c.Rules = r.rules(member(root, "rules"), c.Providers)
	if len(r.problems) > 0 {
		return nil, &Error{r.problems}
	}
	return c, nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func (r *reader) limits(v gjson.Result) Limits {
	l := Limits{
		MaxTokenBytes: jwtverify.DefaultMaxTokenBytes, MaxJWKSBytes: DefaultMaxJWKSBytes, MaxKeys: DefaultMaxKeys,
		CacheEntries: DefaultCacheEntries, MaxPendingRequests: DefaultMaxPending, PendingTimeout: DefaultPendingTimeout,
	}
	if !v.Exists() {
		return l
	}
	const p = "limits"
	if !r.object(v, p, "max_token_bytes", "max_jwks_bytes", "max_keys", "cache_entries", "max_pending_requests", "pending_timeout") {
		return l
	}
	l.MaxTokenBytes = r.integer(v, p, "max_token_bytes", l.MaxTokenBytes, 512, 64<<10)
	l.MaxJWKSBytes = r.integer(v, p, "max_jwks_bytes", l.MaxJWKSBytes, 1<<10, 4<<20)
	l.MaxKeys = r.integer(v, p, "max_keys", l.MaxKeys, 1, jwtverify.MaxJWKSKeys)
	l.CacheEntries = r.integer(v, p, "cache_entries", l.CacheEntries, 0, 1_000_000)
	l.MaxPendingRequests = r.integer(v, p, "max_pending_requests", l.MaxPendingRequests, 0, 100_000)
	l.PendingTimeout = r.duration(v, p, "pending_timeout", l.PendingTimeout, time.Millisecond, 5*time.Minute)
	return l
}

func (r *reader) providers(v gjson.Result, limits Limits) []*Provider {
	if !v.Exists() {
		r.fail("providers", "is required")
		return nil
	}
	if !r.mapObject(v, "providers") {
		return nil
	}
	issuers := map[string]string{}
	var out []*Provider
	v.ForEach(func(key, pv gjson.Result) bool {
		name := key.String()
		p := r.provider(name, pv, limits)
		if p == nil {
			return true
		}
		if other, ok := issuers[p.Issuer]; ok && p.Issuer != "" {
			// Tokens are routed to a provider by iss: two providers with one issuer would
			// make the choice ambiguous.
			r.fail(join(join("providers", name), "issuer"), "is also the issuer of provider "+other)
		}
		issuers[p.Issuer] = name
		out = append(out, p)
		return true
	})
	if len(out) == 0 && len(r.problems) == 0 {
		r.fail("providers", "must name at least one provider")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (r *reader) provider(name string, v gjson.Result, limits Limits) *Provider {
	path := join("providers", name)
	if name == "" {
		r.fail(path, "a provider name must not be empty")
	}
	if !r.object(v, path, "issuer", "audiences", "remote_jwks", "local_jwks", "algorithms", "from_headers",
		"from_params", "scope_claims", "forward", "claims_to_headers", "clock_skew", "require_expiration", "typ") {
		return nil
	}
	p := &Provider{
		Name:              name,
		Issuer:            r.str(v, path, "issuer", true),
		Audiences:         r.strList(v, path, "audiences", false),
		Forward:           r.boolean(v, path, "forward", false),
		ClockSkew:         r.duration(v, path, "clock_skew", DefaultClockSkew, 0, 10*time.Minute),
		RequireExpiration: r.boolean(v, path, "require_expiration", true),
		Typ:               r.str(v, path, "typ", false),
		Algorithms:        jwtverify.DefaultAlgorithms,
		FromHeaders:       []HeaderSource{{Name: "authorization", ValuePrefix: "Bearer "}},
		ScopeClaims:       []string{"scope", "scp"},
	}
	if algs := r.strList(v, path, "algorithms", false); algs != nil {
		var set []jwtverify.Algorithm
		for i, name := range algs {
			a, ok := jwtverify.ParseAlgorithm(name)
			if !ok {
				r.fail(index(join(path, "algorithms"), i), `must be "RS256" or "ES256", got "`+name+`"`)
				continue
			}
			set = append(set, a)
		}
		if len(algs) == 0 {
			r.fail(join(path, "algorithms"), "must not be empty")
		}
		p.Algorithms = jwtverify.NewAlgorithmSet(set...)
	}
	if sc := r.strList(v, path, "scope_claims", false); sc != nil {
		p.ScopeClaims = sc
	}
	p.FromParams = r.strList(v, path, "from_params", false)
	if fh := member(v, "from_headers"); fh.Exists() {
		p.FromHeaders = r.headerSources(fh, join(path, "from_headers"))
	}
	p.ClaimsToHeaders = r.claimHeaders(member(v, "claims_to_headers"), join(path, "claims_to_headers"))
	if rv := member(v, "remote_jwks"); rv.Exists() {
		p.Remote = r.remote(rv, join(path, "remote_jwks"))
	}
	if lv := member(v, "local_jwks"); lv.Exists() {
		p.LocalKeys = r.localJWKS(lv, join(path, "local_jwks"), limits)
	}
	if !member(v, "remote_jwks").Exists() && !member(v, "local_jwks").Exists() {
		r.fail(path, "needs remote_jwks or local_jwks: a provider without keys can verify nothing")
	}
	return p
}

func (r *reader) remote(v gjson.Result, path string) *RemoteJWKS {
	if !r.object(v, path, "cluster", "authority", "path", "refresh_interval", "timeout", "refetch_min_interval") {
		return nil
	}
	rj := &RemoteJWKS{
		Cluster:            r.str(v, path, "cluster", true),
		Authority:          r.str(v, path, "authority", true),
		Path:               r.str(v, path, "path", true),
		RefreshInterval:    r.duration(v, path, "refresh_interval", DefaultRefreshInterval, time.Second, 24*time.Hour),
		Timeout:            r.duration(v, path, "timeout", DefaultTimeout, time.Millisecond, time.Minute),
		RefetchMinInterval: r.duration(v, path, "refetch_min_interval", DefaultRefetchMinInterval, time.Second, time.Hour),
	}
	if rj.Path != "" && rj.Path[0] != '/' {
		r.fail(join(path, "path"), `must start with "/"`)
	}
	return rj
}

// localJWKS accepts a JWKS object, or a string holding one (as Envoy's local_jwks
// inline_string does).
func (r *reader) localJWKS(v gjson.Result, path string, limits Limits) *jwtverify.KeySet {
	var doc []byte
	switch {
	case v.IsObject():
		doc = []byte(v.Raw)
	case v.Type == gjson.String:
		doc = []byte(v.Str)
	default:
		r.fail(path, "must be a JWKS object or a string holding one, got "+typeName(v))
		return nil
	}
	ks, err := parseLocalJWKS(doc)
	if err != nil {
		r.fail(path, err.Error())
		return nil
	}
	if ks.Len() > limits.MaxKeys {
		r.fail(path, "has more keys than limits.max_keys allows")
		return nil
	}
	return ks
}

// parseLocalJWKS is the one place config parses key material.
func parseLocalJWKS(doc []byte) (*jwtverify.KeySet, error) { return jwtverify.ParseJWKS(doc) }

func (r *reader) headerSources(v gjson.Result, path string) []HeaderSource {
	if !v.IsArray() {
		r.fail(path, "must be an array, got "+typeName(v))
		return nil
	}
	out := []HeaderSource{}
	for i, e := range v.Array() {
		p := index(path, i)
		if !r.object(e, p, "name", "value_prefix") {
			continue
		}
		name := strings.ToLower(r.str(e, p, "name", true))
		r.checkHeaderName(name, join(p, "name"))
		prefix := ""
		if pv := member(e, "value_prefix"); pv.Exists() {
			if pv.Type != gjson.String {
				r.fail(join(p, "value_prefix"), "must be a string, got "+typeName(pv))
			}
			prefix = pv.Str
		}
		out = append(out, HeaderSource{Name: name, ValuePrefix: prefix})
	}
	if len(out) == 0 && len(v.Array()) == 0 {
		r.fail(path, "must not be empty (leave it out for the default Authorization: Bearer)")
	}
	return out
}

func (r *reader) claimHeaders(v gjson.Result, path string) []ClaimHeader {
	if !v.Exists() {
		return nil
	}
	if !v.IsArray() {
		r.fail(path, "must be an array, got "+typeName(v))
		return nil
	}
	var out []ClaimHeader
	seen := map[string]bool{}
	for i, e := range v.Array() {
		p := index(path, i)
		if !r.object(e, p, "claim", "header") {
			continue
		}
		claim := r.str(e, p, "claim", true)
		header := strings.ToLower(r.str(e, p, "header", true))
		r.checkHeaderName(header, join(p, "header"))
		if header == "authorization" || header == "host" {
			r.fail(join(p, "header"), "must not be "+header)
		}
		if seen[header] {
			r.fail(join(p, "header"), "duplicate header "+header)
		}
		seen[header] = true
		out = append(out, ClaimHeader{Claim: claim, Header: header})
	}
	return out
}

// checkHeaderName: an HTTP field name is a token (RFC 9110 §5.1); pseudo-headers are the
// proxy's, not the plugin's to set.
func (r *reader) checkHeaderName(name, path string) {
	if name == "" {
		return
	}
	if name[0] == ':' {
		r.fail(path, "must not be a pseudo-header")
		return
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			r.fail(path, "is not a valid header name")
			return
		}
	}
}
