// Package config is jwtguard's plugin configuration: one JSON document (the
// `configuration` of Envoy's wasm filter, or an Istio WasmPlugin's pluginConfig), parsed
// once at plugin start into typed, validated values. A document with any problem is
// refused as a whole, with every problem named by its JSON path: a typo must never open a
// route. The vocabulary follows Envoy's jwt_authn (providers, issuer, audiences,
// remote_jwks, from_headers, forward, claim_to_headers) plus route rules with scopes.
// REFERENCE.md documents every field; schema.json states the same contract for editors.
package config

import (
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/internal/strictjson"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// Config is a parsed, validated configuration. Nothing on the request path reads JSON:
// every value here is ready to use.
type Config struct {
	Realm     string      // the realm of WWW-Authenticate challenges (RFC 6750 §3)
	Providers []*Provider // sorted by name
	Rules     []Rule      // in document order; the first match wins
	Limits    Limits
	// Conditions are the claim conditions of every rule, indexed by Condition.ID.
	Conditions []*Condition
}

// Provider is an issuer of tokens and where its keys come from.
type Provider struct {
	Name              string
	Issuer            string   // exact iss (RFC 7519 §4.1.1); unique among providers
	Audiences         []string // aud must name one of these; empty: aud not checked
	Remote            *RemoteJWKS
	LocalKeys         *jwtverify.KeySet
	Algorithms        jwtverify.AlgorithmSet
	FromHeaders       []HeaderSource
	FromParams        []string
	ScopeClaims       []jwtverify.ClaimPath
	Forward           bool
	ClaimsToHeaders   []ClaimHeader
	ClockSkew         time.Duration
	RequireExpiration bool
	Typ               string   // required typ header (e.g. "at+jwt", RFC 9068 §2.1); "" → not checked
	FromCookies       []string // cookie names that may carry the token (case-sensitive, RFC 6265 §4.1.1)
	// ForwardPayloadHeader receives the verified token's payload segment (base64url, no
	// padding), as Envoy jwt_authn's forward_payload_header; "" → not sent. Lower case.
	ForwardPayloadHeader string
	// ClaimsToLog are claims whose values the plugin puts in the stream's filter state for
	// Envoy's access log (jwtguard_claims), as a JSON object keyed by each path's String();
	// empty → none.
	ClaimsToLog []jwtverify.ClaimPath
	// Subjects are the sub values accepted (exact or prefix); empty → sub not checked.
	Subjects []jwtverify.SubjectMatch
	// MaxLifetime bounds exp − iat of a token; 0 → not checked.
	MaxLifetime time.Duration
}

// RemoteJWKS is a JWKS fetched with proxy_http_call from an Envoy cluster.
type RemoteJWKS struct {
	Cluster            string
	Authority          string
	Path               string
	RefreshInterval    time.Duration // between successful fetches
	Timeout            time.Duration // of one fetch; shorter than RefreshInterval
	RefetchMinInterval time.Duration // least time between two refetches caused by an unknown kid
	// After a failed fetch the next one waits BackoffBaseInterval, doubling with each
	// further failure, never more than BackoffMaxInterval (jitter is the filter's).
	BackoffBaseInterval time.Duration
	BackoffMaxInterval  time.Duration
}

// HeaderSource is a header that may carry the token, after an optional scheme prefix.
type HeaderSource struct {
	Name        string // lower case
	ValuePrefix string // matched case-insensitively, e.g. "Bearer "; "" → the whole value
}

// ClaimHeader copies a claim into a request header for the upstream.
type ClaimHeader struct {
	Claim  jwtverify.ClaimPath
	Header string // lower case
}

// Rule is a route rule: a match, and what a request needs to pass.
type Rule struct {
	Match   Matcher
	Require *Requirement // nil: an open route, no token needed
}

// Requirement is what a rule asks of a token. An empty one (from "require": {}) asks for a
// valid token from any provider and no scope.
type Requirement struct {
	Providers []*Provider  // empty: the provider whose issuer equals the token's iss
	Scopes    []string     // all of these
	AnyScopes []string     // at least one of these (if any are listed)
	Claims    []*Condition // all of these hold
	AnyClaims []*Condition // at least one of these holds (if any are listed)
	Token     TokenMode    // whether a request may pass without a valid token
}

// TokenMode is what a rule does with a request whose token is missing or fails, as Envoy
// jwt_authn's requirements allow_missing and allow_missing_or_failed
// (envoy/extensions/filters/http/jwt_authn/v3/config.proto). Claim headers are removed
// from every request and set only from a token verified for it, in every mode.
type TokenMode uint8

const (
	TokenRequired             TokenMode = iota // no valid token: 401 (400 when ambiguous)
	TokenAllowMissing                          // no token: passes; a token present must be valid
	TokenAllowMissingOrFailed                  // passes whatever the token; identity only from a valid one
)

// tokenModes are the values of require.token, in TokenMode order.
var tokenModes = []string{"required", "allow_missing", "allow_missing_or_failed"}

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
	MaxTokenBytes      int           // larger tokens are refused before decoding
	MaxJWKSBytes       int           // larger JWKS responses are a failed fetch
	MaxKeys            int           // a JWKS with more usable keys is refused
	CacheEntries       int           // verified tokens cached per VM; 0 disables the cache
	MaxPendingRequests int           // requests one VM may hold waiting for keys
	PendingTimeout     time.Duration // how long a request may be held
}

// Defaults, documented in REFERENCE.md and schema.json (a test checks the schema's).
const (
	DefaultRealm               = "jwtguard"
	DefaultRefreshInterval     = 5 * time.Minute
	DefaultTimeout             = 5 * time.Second
	DefaultRefetchMinInterval  = 30 * time.Second
	DefaultBackoffBaseInterval = 1 * time.Second
	DefaultBackoffMaxInterval  = 5 * time.Minute
	DefaultClockSkew           = 60 * time.Second
	DefaultMaxTokenBytes       = jwtverify.DefaultMaxTokenBytes
	DefaultMaxJWKSBytes        = 256 << 10
	DefaultMaxKeys             = 100
	DefaultCacheEntries        = 10000
	DefaultMaxPending          = 1000
	DefaultPendingTimeout      = 10 * time.Second
)

// The member names each object accepts. Anything else is an unknown field. Tests compare
// these lists with schema.json and REFERENCE.md.
var (
	fieldsTop         = []string{"providers", "rules", "realm", "limits"}
	fieldsProvider    = []string{"issuer", "audiences", "remote_jwks", "local_jwks", "algorithms", "from_headers", "from_params", "scope_claims", "forward", "claims_to_headers", "clock_skew", "require_expiration", "typ", "from_cookies", "forward_payload_header", "claims_to_log", "subjects", "max_lifetime"}
	fieldsSubject     = []string{"exact", "prefix"}
	fieldsRemote      = []string{"cluster", "authority", "path", "refresh_interval", "timeout", "refetch_min_interval", "backoff_base_interval", "backoff_max_interval"}
	fieldsHeaderSrc   = []string{"name", "value_prefix"}
	fieldsClaimHeader = []string{"claim", "header"}
	fieldsRule        = []string{"match", "require"}
	fieldsMatch       = []string{"prefix", "path", "regex", "methods", "hosts", "headers"}
	fieldsHeaderMatch = []string{"name", "present", "exact", "prefix", "regex"}
	fieldsRequire     = []string{"providers", "scopes", "any_scopes", "claims", "any_claims", "token"}
	fieldsCondition   = []string{"claim", "equals", "one_of", "contains", "contains_any", "contains_all", "present", "absent"}
	fieldsLimits      = []string{"max_token_bytes", "max_jwks_bytes", "max_keys", "cache_entries", "max_pending_requests", "pending_timeout"}
)

// Ranges of the numeric and duration fields. Each maximum is far beyond any sensible
// setting; it exists so that a slip (an extra zero, "5h" for "5s") is caught.
var (
	rangeRefreshInterval    = durationRange{DefaultRefreshInterval, time.Second, 24 * time.Hour}
	rangeTimeout            = durationRange{DefaultTimeout, time.Millisecond, time.Minute}
	rangeRefetchMinInterval = durationRange{DefaultRefetchMinInterval, time.Second, time.Hour}
	rangeBackoffBase        = durationRange{DefaultBackoffBaseInterval, 100 * time.Millisecond, time.Hour}
	rangeBackoffMax         = durationRange{DefaultBackoffMaxInterval, time.Second, 24 * time.Hour}
	rangeClockSkew          = durationRange{DefaultClockSkew, 0, 10 * time.Minute}
	rangePendingTimeout     = durationRange{DefaultPendingTimeout, time.Millisecond, 5 * time.Minute}
	rangeMaxLifetime        = durationRange{0, time.Second, 366 * 24 * time.Hour} // default 0: not checked

	rangeMaxTokenBytes = intRange{DefaultMaxTokenBytes, 512, 64 << 10}
	rangeMaxJWKSBytes  = intRange{DefaultMaxJWKSBytes, 1 << 10, 4 << 20}
	rangeMaxKeys       = intRange{DefaultMaxKeys, 1, jwtverify.MaxJWKSKeys}
	rangeCacheEntries  = intRange{DefaultCacheEntries, 0, 1_000_000}
	rangeMaxPending    = intRange{DefaultMaxPending, 0, 100_000}
)

// Parse validates doc and returns the typed configuration, or an *Error listing every
// problem found.
func Parse(doc []byte) (*Config, error) {
	if len(strings.TrimSpace(string(doc))) == 0 {
		return nil, &Error{[]Problem{{"", "the configuration is empty; a JSON object with providers and rules is required"}}}
	}
	if why := strictjson.Problem(doc); why != "" {
		return nil, &Error{[]Problem{{"", "the configuration " + why}}}
	}
	r := &reader{}
	root := gjson.ParseBytes(doc)
	if !root.IsObject() {
		return nil, &Error{[]Problem{{"", "the configuration must be a JSON object, got " + typeName(root)}}}
	}
	if !r.object(root, "", fieldsTop) {
		return nil, &Error{r.problems}
	}
	c := &Config{Realm: DefaultRealm}
	if root.Get("realm").Exists() {
		c.Realm = r.str(root, "", "realm", false)
		if strings.ContainsAny(c.Realm, `"\`) || hasControl(c.Realm) {
			r.fail("realm", "must not contain quotes, backslashes or control characters (it is sent in WWW-Authenticate)")
		}
	}
	c.Limits = r.limits(root.Get("limits"))
	c.Providers = r.providers(root.Get("providers"), c.Limits)
	c.Rules = r.rules(root.Get("rules"), c.Providers)
	c.Conditions = r.conditions
	if len(r.problems) > 0 {
		return nil, &Error{r.problems}
	}
	return c, nil
}

func (r *reader) limits(v gjson.Result) Limits {
	l := Limits{
		MaxTokenBytes: rangeMaxTokenBytes.def, MaxJWKSBytes: rangeMaxJWKSBytes.def, MaxKeys: rangeMaxKeys.def,
		CacheEntries: rangeCacheEntries.def, MaxPendingRequests: rangeMaxPending.def, PendingTimeout: rangePendingTimeout.def,
	}
	if !v.Exists() {
		return l
	}
	const p = "limits"
	if !r.object(v, p, fieldsLimits) {
		return l
	}
	l.MaxTokenBytes = r.integer(v, p, "max_token_bytes", rangeMaxTokenBytes)
	l.MaxJWKSBytes = r.integer(v, p, "max_jwks_bytes", rangeMaxJWKSBytes)
	l.MaxKeys = r.integer(v, p, "max_keys", rangeMaxKeys)
	l.CacheEntries = r.integer(v, p, "cache_entries", rangeCacheEntries)
	l.MaxPendingRequests = r.integer(v, p, "max_pending_requests", rangeMaxPending)
	l.PendingTimeout = r.duration(v, p, "pending_timeout", rangePendingTimeout)
	return l
}
