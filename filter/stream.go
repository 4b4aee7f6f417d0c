package filter

import (
	"math"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/internal/abi"
)

// stream is one HTTP request.
type stream struct {
	types.DefaultHttpContext
	id     uint32
	plugin *pluginState
	rule   *config.Rule
	token  foundToken
	prov   *providerState // the provider judging the token, once its issuer is accepted
	held   *heldRequest
	done   bool
	// revHeld: the request was held once for its provider's first revocation list; it is
	// not held for it again (a request held for keys may still be held once for the list).
	revHeld bool
	// everHeld: the request was held at some point (holdOn), so a list may have named it.
	everHeld bool
}

// RecycleHttpContext (abi.Recycler) is called once the host has deleted a stream: no
// callback names it again, and the plugin's next stream reuses it instead of allocating one
// (issue 19). A stream that was ever held is left to the collector instead, so that no
// held-request list can name a stream that serves another request.
func (pl *pluginState) RecycleHttpContext(c types.HttpContext) {
	if s, ok := c.(*stream); ok && s.plugin == pl {
		s.recycle()
	}
}

// The dispatcher recycles only through a root that implements abi.Recycler.
var _ abi.Recycler = (*pluginState)(nil)

func (s *stream) recycle() {
	if s.everHeld {
		return
	}
	pl := s.plugin
	*s = stream{plugin: pl}
	pl.freeStreams = append(pl.freeStreams, s)
}

// OnHttpRequestHeaders is the whole request path: match a rule, find the token, verify it,
// check scopes, then continue with the token removed and claim headers set, or answer.
func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	p := s.plugin
	// Transient: valid during this callback only; what outlives it is copied (the token
	// cache clones its keys, holdOn clones a held request's token).
	headers, err := abi.GetHttpRequestHeadersTransient()
	if err != nil {
		headers = nil
	}
	req := config.Request{Headers: headers}
	for _, h := range headers {
		switch h[0] {
		case ":method":
			req.Method = h[1]
		case ":path":
			req.Path = h[1]
		case ":authority":
			req.Authority = h[1]
		}
		// Claim headers are the upstream's word for who the caller is: whatever the client
		// sent under those names is removed on every request, open routes included
		// (anti-spoofing).
		if p.isClaimHeader(h[0]) {
			_ = abi.RemoveHttpRequestHeader(h[0])
		}
	}
	method, path := req.Method, req.Path
	if !p.cfg.CheckCORSPreflight && isCORSPreflight(method, headers) {
		return types.ActionContinue
	}
	rule, ambiguous := p.cfg.Match(&req)
	if ambiguous {
		return s.refuse(reasonRepeatedHeader)
	}
	if rule == nil {
		return s.refuse(reasonNoMatchingRule)
	}
	if rule.Require == nil {
		s.decide(outcomeOpenRoute, nil, "")
		return types.ActionContinue
	}
	s.rule = rule
	tok, bad := extractToken(headers, path, p.sourcesByRule[rule], p.cache)
	if bad != nil {
		return s.refuse(*bad)
	}
	if tok.value == "" {
		if rule.Require.Token != config.TokenRequired {
			s.decide(outcomeWithoutToken, nil, "")
			return types.ActionContinue
		}
		return s.refuse(reasonMissingToken)
	}
	s.token = tok
	return s.authenticate(s.plugin.now(), true, path)
}

// isCORSPreflight: a preflight (Fetch standard, CORS protocol) carries no credentials; with
// cors_preflight "pass" (the default) it reaches the CORS filter or the upstream untouched,
// as Envoy's jwt_authn does with bypass_cors_preflight (source/extensions/filters/http/
// jwt_authn/filter.cc, which tests the same three things: OPTIONS, Origin and
// Access-Control-Request-Method).
func isCORSPreflight(method string, headers [][2]string) bool {
	if method != "OPTIONS" {
		return false
	}
	origin, acrm := false, false
	for _, h := range headers {
		switch h[0] {
		case "origin":
			origin = true
		case "access-control-request-method":
			acrm = true
		}
	}
	return origin && acrm
}

// unixNanoUntil is t in Unix nanoseconds, saturated: NumericDates go to year 9999, and
// UnixNano is undefined after 2262.
func unixNanoUntil(t time.Time) int64 {
	if t.After(maxUnixNano) {
		return math.MaxInt64
	}
	return t.UnixNano()
}

var maxUnixNano = time.Unix(0, math.MaxInt64)

// admit checks the route's scopes and lets the request through: the token is removed unless
// the provider forwards it, and claim headers are set (the client's copies are gone).
func (s *stream) admit(e *verifiedToken, path string) types.Action {
	p := s.plugin
	req := s.rule.Require
	if !hasAllScopes(e.scopes, req.Scopes) || !hasAnyScope(e.scopes, req.AnyScopes) {
		s.decide(reasonInsufficientScope.name, e.provider, "")
		p.respond(reasonInsufficientScope, scopeAttribute(req.Scopes, req.AnyScopes))
		return types.ActionPause
	}
	if !conditionsHold(e.conditions, req) {
		// 403 insufficient_scope without a scope attribute, and nothing about the claims
		// (REFERENCE.md, "Claim conditions").
		s.decide(reasonClaimConditions.name, e.provider, "")
		p.respond(reasonClaimConditions, "")
		return types.ActionPause
	}
	if !e.provider.cfg.Forward {
		switch src := s.token.source; {
		case src.header != "":
			_ = abi.RemoveHttpRequestHeader(src.header)
		case src.cookie != "":
			removeCookie(src.cookie)
		default:
			_ = abi.ReplaceHttpRequestHeader(":path", pathWithoutParam(path, src.param))
		}
	}
	for i := 0; i+1 < len(e.claimHeaders); i += 2 {
		_ = abi.ReplaceHttpRequestHeader(e.claimHeaders[i], e.claimHeaders[i+1])
	}
	if e.refusedClaims > 0 {
		p.metrics.claimHeaderRefused(e.provider.cfg.Name, uint64(e.refusedClaims))
	}
	if name := e.provider.cfg.ForwardPayloadHeader; name != "" {
		// base64url without padding, as the token carries it (RFC 7515 §7.1), as Envoy
		// jwt_authn's forward_payload_header sends it. The client's copy is already gone.
		_ = abi.ReplaceHttpRequestHeader(name, e.payload.of(s.token.value))
	}
	s.decide(outcomeAllowed, e.provider, e.logClaims)
	return types.ActionContinue
}

// refuse answers the request with r, recording the decision first (the access log reads it
// after the local reply). On a rule with token allow_missing_or_failed the request goes on
// instead, as sent (a failed token is not removed, as Envoy jwt_authn leaves it), without
// claim or payload headers: the client's copies are already gone.
func (s *stream) refuse(r reason) types.Action {
	if s.rule != nil && s.rule.Require.Token == config.TokenAllowMissingOrFailed {
		s.decide(outcomeFailedToken, s.prov, "")
		_ = abi.SetProperty([]string{propTokenFailure}, []byte(r.name))
		return types.ActionContinue
	}
	s.decide(r.name, s.prov, "")
	s.plugin.respond(r, "")
	return types.ActionPause
}

// resume finishes a held request, from the root context's callback: it makes the stream the
// effective context (a reply or continue from the root context would be a silent no-op,
// docs/host.md#pausing-continuing-and-local-replies), verifies again without holding, then
// continues or answers.
func (s *stream) resume() {
	if err := abi.SetEffectiveContext(s.id); err != nil {
		return
	}
	path, _ := abi.GetHttpRequestHeader(":path")
	if s.authenticate(s.plugin.now(), false, path) == types.ActionContinue {
		_ = abi.ResumeHttpRequest()
	}
}

// OnHttpStreamDone releases a request still held when its client goes away.
func (s *stream) OnHttpStreamDone() {
	s.done = true
	if s.held != nil {
		s.plugin.release(s.held)
		s.held = nil
	}
}

func hasAllScopes(have, need []string) bool {
	for _, n := range need {
		if !contains(have, n) {
			return false
		}
	}
	return true
}

func hasAnyScope(have, anyOf []string) bool {
	if len(anyOf) == 0 {
		return true
	}
	for _, n := range anyOf {
		if contains(have, n) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
