package config

import (
	"sort"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// defaultScopeClaims: RFC 8693 §4.2's "scope" and the "scp" array of Entra ID and Okta.
var defaultScopeClaims = []jwtverify.ClaimPath{mustClaimPath("scope"), mustClaimPath("scp")}

func mustClaimPath(s string) jwtverify.ClaimPath {
	p, problem := jwtverify.ParseClaimPath(s)
	if problem != "" {
		panic(s + ": " + problem)
	}
	return p
}

// maxProviderName bounds a provider name; it appears in metric names and log lines.
const maxProviderName = 64

func (r *reader) providers(v gjson.Result, limits Limits) []*Provider {
	if !v.Exists() {
		r.fail("providers", "is required")
		return nil
	}
	if !r.mapObject(v, "providers") {
		return nil
	}
	var out []*Provider
	v.ForEach(func(key, pv gjson.Result) bool {
		if p := r.provider(key.String(), pv, limits); p != nil {
			out = append(out, p)
		}
		return true
	})
	if len(out) == 0 && len(r.problems) == 0 {
		r.fail("providers", "must name at least one provider")
	}
	r.crossProvider(out)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// crossProvider checks what involves two providers, in document order.
func (r *reader) crossProvider(ps []*Provider) {
	issuers := map[string]string{}
	tokenHeaders := map[string]string{} // header → provider reading tokens from it
	for _, p := range ps {
		if other, ok := issuers[p.Issuer]; ok && p.Issuer != "" {
			// A token is routed to the provider whose issuer equals its iss: two providers
			// with one issuer would make that choice ambiguous.
			r.fail(join(join("providers", p.Name), "issuer"), "is also the issuer of provider "+strconv.Quote(other))
		} else {
			issuers[p.Issuer] = p.Name
		}
		for _, h := range p.FromHeaders {
			if _, ok := tokenHeaders[h.Name]; !ok {
				tokenHeaders[h.Name] = p.Name
			}
		}
	}
	// Claim headers are removed from every incoming request before the token is read
	// (anti-spoofing): one that is also a token header would remove the token.
	for _, p := range ps {
		if owner, ok := tokenHeaders[p.ForwardPayloadHeader]; ok && p.ForwardPayloadHeader != "" {
			r.fail(join(join("providers", p.Name), "forward_payload_header"),
				"is where provider "+strconv.Quote(owner)+" reads tokens (from_headers); pick another header")
		}
		for i, ch := range p.ClaimsToHeaders {
			if owner, ok := tokenHeaders[ch.Header]; ok {
				r.fail(join(index(join(join("providers", p.Name), "claims_to_headers"), i), "header"),
					"is where provider "+strconv.Quote(owner)+" reads tokens (from_headers); pick another header")
			}
		}
	}
}

func validProviderName(name string) bool {
	if name == "" || len(name) > maxProviderName {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func (r *reader) provider(name string, v gjson.Result, limits Limits) *Provider {
	path := join("providers", name)
	if !validProviderName(name) {
		r.fail(path, "a provider name must be 1 to 64 letters, digits, '_', '-' or '.' (it names metrics), got "+strconv.Quote(name))
	}
	if !r.object(v, path, fieldsProvider) {
		return nil
	}
	p := &Provider{
		Name:              name,
		Issuer:            r.text(v, path, "issuer", true),
		Audiences:         r.strList(v, path, "audiences", "leave it out to skip the audience check"),
		Forward:           r.boolean(v, path, "forward", false),
		ClockSkew:         r.duration(v, path, "clock_skew", rangeClockSkew),
		RequireExpiration: r.boolean(v, path, "require_expiration", true),
		Typ:               r.text(v, path, "typ", false),
		Algorithms:        jwtverify.DefaultAlgorithms,
		FromHeaders:       []HeaderSource{{Name: "authorization", ValuePrefix: "Bearer "}},
		ScopeClaims:       defaultScopeClaims,
	}
	if algs := r.strList(v, path, "algorithms", "leave it out for every supported algorithm"); algs != nil {
		var set []jwtverify.Algorithm
		for i, a := range algs {
			alg, ok := jwtverify.ParseAlgorithm(a)
			if !ok {
				r.fail(index(join(path, "algorithms"), i), `must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA, got `+strconv.Quote(a))
				continue
			}
			set = append(set, alg)
		}
		p.Algorithms = jwtverify.NewAlgorithmSet(set...)
	}
	if sc := r.claimPathList(v, path, "scope_claims", `leave it out for ["scope", "scp"]`); sc != nil {
		p.ScopeClaims = sc
	}
	p.FromParams = r.queryParams(v, path)
	p.FromCookies = r.cookieNames(v, path)
	if fh := r.headerSources(v, path); fh != nil {
		p.FromHeaders = fh
	}
	p.ClaimsToHeaders = r.claimHeaders(v, path)
	p.ForwardPayloadHeader = r.payloadHeader(v, path, p.ClaimsToHeaders)
	p.ClaimsToLog = r.claimPathList(v, path, "claims_to_log", "leave it out to log no claim")
	p.Subjects = r.subjects(v, path)
	p.MaxLifetime = r.duration(v, path, "max_lifetime", rangeMaxLifetime)
	hasRemote, hasLocal := v.Get("remote_jwks").Exists(), v.Get("local_jwks").Exists()
	if hasRemote {
		p.Remote = r.remote(v.Get("remote_jwks"), join(path, "remote_jwks"))
	}
	if hasLocal {
		p.LocalKeys = r.localJWKS(v.Get("local_jwks"), join(path, "local_jwks"), limits)
	}
	if !hasRemote && !hasLocal {
		r.fail(path, "needs remote_jwks or local_jwks: a provider without keys can verify nothing")
	}
	return p
}

func (r *reader) remote(v gjson.Result, path string) *RemoteJWKS {
	if !r.object(v, path, fieldsRemote) {
		return nil
	}
	rj := &RemoteJWKS{
		Cluster:             r.text(v, path, "cluster", true),
		Authority:           r.text(v, path, "authority", true),
		Path:                r.text(v, path, "path", true),
		RefreshInterval:     r.duration(v, path, "refresh_interval", rangeRefreshInterval),
		Timeout:             r.duration(v, path, "timeout", rangeTimeout),
		RefetchMinInterval:  r.duration(v, path, "refetch_min_interval", rangeRefetchMinInterval),
		BackoffBaseInterval: r.duration(v, path, "backoff_base_interval", rangeBackoffBase),
		BackoffMaxInterval:  r.duration(v, path, "backoff_max_interval", rangeBackoffMax),
	}
	if strings.ContainsRune(rj.Authority, ' ') {
		r.fail(join(path, "authority"), "must not contain spaces")
	}
	if rj.Path != "" && (rj.Path[0] != '/' || strings.ContainsRune(rj.Path, ' ')) {
		r.fail(join(path, "path"), `must start with "/" and contain no spaces, got `+strconv.Quote(rj.Path))
	}
	if rj.Timeout >= rj.RefreshInterval {
		r.fail(join(path, "timeout"), "must be shorter than refresh_interval ("+rj.RefreshInterval.String()+")")
	}
	if rj.BackoffBaseInterval > rj.BackoffMaxInterval {
		r.fail(join(path, "backoff_base_interval"), "must not exceed backoff_max_interval ("+rj.BackoffMaxInterval.String()+")")
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
		r.fail(path, "has "+strconv.Itoa(ks.Len())+" usable keys, more than limits.max_keys ("+strconv.Itoa(limits.MaxKeys)+")")
		return nil
	}
	return ks
}

// parseLocalJWKS is the one place config parses key material; jwtverify owns the rules,
// including the bound on nesting that a string-valued local_jwks (a document of its own) needs.
func parseLocalJWKS(doc []byte) (*jwtverify.KeySet, error) {
	return jwtverify.ParseJWKS(doc)
}

// headerSources reads from_headers; nil when absent (the default applies).
func (r *reader) headerSources(v gjson.Result, path string) []HeaderSource {
	out := []HeaderSource{}
	seen := map[string]bool{}
	present := r.array(v, path, "from_headers", "leave it out for Authorization: Bearer", func(p string, e gjson.Result) {
		if !r.object(e, p, fieldsHeaderSrc) {
			return
		}
		name := strings.ToLower(r.str(e, p, "name", true))
		r.checkHeaderName(name, join(p, "name"))
		if seen[name] && name != "" {
			r.fail(join(p, "name"), "duplicate header "+strconv.Quote(name)+" (names are case-insensitive)")
		}
		seen[name] = true
		prefix := ""
		if pv := e.Get("value_prefix"); pv.Exists() {
			if pv.Type != gjson.String {
				r.fail(join(p, "value_prefix"), "must be a string, got "+typeName(pv))
			} else if hasControl(pv.Str) {
				r.fail(join(p, "value_prefix"), "must not contain control characters")
			}
			prefix = pv.Str
		}
		out = append(out, HeaderSource{Name: name, ValuePrefix: prefix})
	})
	if !present {
		return nil
	}
	return out
}

// queryParams reads from_params: names of query parameters.
func (r *reader) queryParams(v gjson.Result, path string) []string {
	names := r.strList(v, path, "from_params", "leave it out to read no query parameter")
	seen := map[string]bool{}
	for i, n := range names {
		p := index(join(path, "from_params"), i)
		if strings.ContainsAny(n, "&=#?+ ") || hasControl(n) {
			r.fail(p, "must be a plain query parameter name, got "+strconv.Quote(n))
		}
		if seen[n] {
			r.fail(p, "duplicate parameter "+strconv.Quote(n))
		}
		seen[n] = true
	}
	return names
}

// reservedClaimHeaders are headers a claim must not set: the token's own header, headers
// that frame or route the request, and hop-by-hop headers (RFC 9110 §7.6.1).
var reservedClaimHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "host": true, "content-length": true,
	"transfer-encoding": true, "connection": true, "keep-alive": true, "te": true, "trailer": true,
	"upgrade": true, "proxy-connection": true, "expect": true, "cookie": true,
}

func (r *reader) claimHeaders(v gjson.Result, path string) []ClaimHeader {
	var out []ClaimHeader
	seen := map[string]bool{}
	r.array(v, path, "claims_to_headers", "leave it out to copy no claim", func(p string, e gjson.Result) {
		if !r.object(e, p, fieldsClaimHeader) {
			return
		}
		var claim jwtverify.ClaimPath
		if cv := e.Get("claim"); !cv.Exists() {
			r.fail(join(p, "claim"), "is required")
		} else {
			claim, _ = r.claimPath(cv, join(p, "claim"))
		}
		header := strings.ToLower(r.str(e, p, "header", true))
		hp := join(p, "header")
		r.checkHeaderName(header, hp)
		switch {
		case reservedClaimHeaders[header]:
			r.fail(hp, "must not be "+strconv.Quote(header)+": a claim must not set a header that authenticates, frames or routes the request")
		case strings.HasPrefix(header, "x-envoy-"):
			r.fail(hp, "must not start with x-envoy-: Envoy reads those headers itself")
		}
		if seen[header] && header != "" {
			r.fail(hp, "duplicate header "+strconv.Quote(header)+" (names are case-insensitive)")
		}
		seen[header] = true
		out = append(out, ClaimHeader{Claim: claim, Header: header})
	})
	return out
}

// checkHeaderName: an HTTP field name is a token (RFC 9110 §5.1); pseudo-headers are the
// proxy's, not the plugin's to read or set.
func (r *reader) checkHeaderName(name, path string) {
	if name == "" {
		return
	}
	if name[0] == ':' {
		r.fail(path, "must not be a pseudo-header")
		return
	}
	if !isToken(name) {
		r.fail(path, "is not a valid header name: "+strconv.Quote(name))
	}
}

// isToken reports whether s is an RFC 9110 §5.6.2 token (of lower-case letters here, as
// names are lower-cased first; isMethod allows upper case).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// cookieNames reads from_cookies: names of cookies that may carry the token. A cookie name
// is an RFC 6265 §4.1.1 token and is compared case-sensitively, as user agents send it back
// exactly as it was set.
func (r *reader) cookieNames(v gjson.Result, path string) []string {
	names := r.strList(v, path, "from_cookies", "leave it out to read no cookie")
	seen := map[string]bool{}
	for i, n := range names {
		p := index(join(path, "from_cookies"), i)
		if !isToken(n) {
			r.fail(p, "must be a cookie name (an RFC 6265 token: no spaces, '=', ';', quotes or control characters), got "+strconv.Quote(n))
		}
		if seen[n] {
			r.fail(p, "duplicate cookie "+strconv.Quote(n))
		}
		seen[n] = true
	}
	return names
}

// payloadHeader reads forward_payload_header: a header set by the plugin, so it obeys the
// rules of claim headers (it is removed from every incoming request, so it must not be a
// header that authenticates, frames or routes the request, nor one a claim also sets).
func (r *reader) payloadHeader(v gjson.Result, path string, claims []ClaimHeader) string {
	if !v.Get("forward_payload_header").Exists() {
		return ""
	}
	hp := join(path, "forward_payload_header")
	header := strings.ToLower(r.str(v, path, "forward_payload_header", true))
	r.checkHeaderName(header, hp)
	switch {
	case reservedClaimHeaders[header]:
		r.fail(hp, "must not be "+strconv.Quote(header)+": the plugin must not set a header that authenticates, frames or routes the request")
	case strings.HasPrefix(header, "x-envoy-"):
		r.fail(hp, "must not start with x-envoy-: Envoy reads those headers itself")
	}
	for _, ch := range claims {
		if ch.Header == header {
			r.fail(hp, "is also a header of claims_to_headers")
		}
	}
	return header
}

// subjects reads the allowed sub values: each an object with exactly one of exact and prefix.
func (r *reader) subjects(v gjson.Result, path string) []jwtverify.SubjectMatch {
	var out []jwtverify.SubjectMatch
	r.array(v, path, "subjects", "leave it out to accept any sub", func(p string, e gjson.Result) {
		if !r.object(e, p, fieldsSubject) {
			return
		}
		exact, prefix := e.Get("exact").Exists(), e.Get("prefix").Exists()
		switch {
		case exact == prefix:
			r.fail(p, "needs exactly one of exact and prefix")
		case exact:
			out = append(out, jwtverify.SubjectMatch{Value: r.str(e, p, "exact", true)})
		default:
			out = append(out, jwtverify.SubjectMatch{Value: r.str(e, p, "prefix", true), Prefix: true})
		}
	})
	return out
}
