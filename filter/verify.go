package filter

import (
	"errors"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// Verification on the request path, in the order that keeps one promise (issue 15; RFC 8725
// §3: verify the signature before trusting anything in the token): nothing a token claims is
// described to the client unless its signature verified with a key the provider publishes.
//
//  1. Structure (jwtverify.Parse): three canonical segments, JSON objects, no duplicate
//     members, size. Cheap, and it says nothing about what the token claims.
//  2. Provider: the unverified iss selects the provider whose keys may verify it (the only
//     claim read before the signature; a miss is unknown_issuer, which says only that).
//  3. Signature (alg allow-list, kid, key, then cryptography): a token that does not verify is
//     unknown_kid, no_matching_key, ambiguous_key or bad_signature, whatever its claims say.
//  4. Claims (exp, nbf, iat, iss, aud, typ): only now are claim-based reasons possible.
//  5. Revocation (jti, sub, iat against the provider's revocation list; issue 20).
//
// Step 3 costs an expired token one signature check; tokens refused at step 4 are remembered
// in a bounded cache (rejected), so a client repeating one pays a map lookup.

// authenticate verifies the token, from the caches when it was verified before. mayHold is
// false when the request was already held once: it is then answered, never held again.
func (s *stream) authenticate(now time.Time, mayHold bool, path string) types.Action {
	p := s.plugin
	if s.token.ref.epoch == 0 {
		s.token.ref = p.cache.ref(s.token.value) // not looked up by extraction (cookie, parameter)
	}
	if e, ok := p.cached(&s.token, s.rule, now); ok {
		p.metrics.cacheHit.add(1)
		s.prov = e.provider
		if s.cachedRevoked(e, now) {
			p.cache.drop(s.token.value)
			return s.refuse(tokenReason(jwtverify.ErrRevoked))
		}
		return s.admit(e, path)
	}
	p.metrics.cacheMiss.add(1)
	if e, ok := p.rejected.getHashed(s.token.value, s.token.ref.hash, now); ok && s.rule.Allows(e.provider.cfg) && !staleRevocation(e) {
		s.prov = e.provider
		return s.refuse(tokenReason(e.rejection))
	}
	tok := &p.parsed
	if err := jwtverify.ParseInto(tok, s.token.value, p.tokenLimits); err != nil {
		return s.refuse(tokenReason(err))
	}
	iss, _ := tok.Issuer()
	prov := p.byIssuer[iss]
	if prov == nil || !s.rule.Allows(prov.cfg) {
		return s.refuse(reasonUnknownIssuer)
	}
	s.prov = prov
	keyID, action, done := s.verifySignature(tok, prov, now, mayHold)
	if done {
		return action
	}
	if err := tok.ValidateClaims(now, &prov.policy); err != nil {
		if permanentRejection(err) {
			p.rejected.put(s.token.value, verifiedToken{provider: prov, keyID: keyID, rejection: jwtverify.ReasonOf(err)})
		}
		return s.refuse(tokenReason(err))
	}
	var ids revocationIDs
	if prov.rev != nil {
		// 5. Revocation (revocation.go), for a token that passed every other check.
		ids = tok.RevocationIDs()
		if action, ok := s.checkRevocation(prov, ids, keyID, now); !ok {
			return action
		}
	}
	e, text := s.verified(tok, prov, keyID, ids)
	p.cache.putOwned(text, s.token.ref.hash, e) // ref: looked up at the top
	return s.admit(&e, path)
}

// verifySignature verifies tok with prov's keys, holding the request when keys may be on
// their way (none yet; an unknown kid, see held.go). done means the request was answered
// or held, with action.
func (s *stream) verifySignature(tok *jwtverify.Token, prov *providerState, now time.Time, mayHold bool) (jwtverify.KeyID, types.Action, bool) {
	p := s.plugin
	if prov.keys == nil && prov.jwks != nil {
		// Another VM may have stored keys since this VM's last tick.
		prov.adoptShared()
	}
	if prov.keys == nil {
		if mayHold && prov.jwks != nil {
			switch p.hold(s, prov, now, time.Time{}) {
			case held:
				prov.fetchKeys(now, true)
				return "", types.ActionPause, true
			case holdFull:
				return "", s.refuse(reasonTooManyHeld), true
			}
		}
		return "", s.refuse(reasonKeysUnavailable), true
	}
	keyID, err := tok.VerifySignature(prov.keys, prov.cfg.Algorithms)
	if errors.Is(err, jwtverify.ErrUnknownKid) && prov.jwks != nil && prov.adoptShared() {
		keyID, err = tok.VerifySignature(prov.keys, prov.cfg.Algorithms)
	}
	if errors.Is(err, jwtverify.ErrUnknownKid) && mayHold && prov.jwks != nil {
		// Only a kid that a coming fetch may bring is worth holding for; otherwise the
		// request is answered unknown_kid, full VM or not.
		if at, force, ok := p.kidFetch(prov, now); ok {
			switch p.hold(s, prov, now, at) {
			case held:
				prov.fetchKeys(now, force)
				return "", types.ActionPause, true
			case holdFull:
				return "", s.refuse(reasonTooManyHeld), true
			}
		}
	}
	if err != nil {
		return "", s.refuse(tokenReason(err)), true
	}
	return keyID, 0, false
}

// cached returns the verification of a token seen before, if it is still valid, its key
// still published, and its provider one the rule accepts.
func (p *pluginState) cached(tok *foundToken, rule *config.Rule, now time.Time) (*verifiedToken, bool) {
	e, ok := p.cache.getRef(tok.value, tok.ref, now)
	if !ok || !rule.Allows(e.provider.cfg) {
		return nil, false
	}
	return e, true
}

// permanentRejection: a verified token refused for a reason that time cannot change (time
// only makes an expired token more expired; the other claims are fixed by the signature),
// so the refusal can be remembered. not-yet-valid and issued-in-future tokens become good.
func permanentRejection(err error) bool {
	return !errors.Is(err, jwtverify.ErrNotYetValid) && !errors.Is(err, jwtverify.ErrIssuedInFuture)
}

// verified is the cache entry of a token that passed every check, ids its revocation
// identifiers (zero without revocation, else checked against the provider's current list),
// and the entry's own copy of the token's text, which
// the cache keeps (putOwned).
func (s *stream) verified(tok *jwtverify.Token, prov *providerState, keyID jwtverify.KeyID, ids revocationIDs) (verifiedToken, string) {
	// Views of the token's payload until detachEntry copies them, gathered on the stack.
	var scopes [16]string
	var headers [8][2]string
	e := verifiedToken{
		provider: prov,
		keyID:    keyID,
		// The set keyID was just found in: verifySignature's last VerifySignature used
		// prov.keys, and nothing since replaced them (see verifiedToken.keys).
		keys: prov.keys,
	}
	sc := tok.AppendScopes(scopes[:0], prov.cfg.ScopeClaims)
	ch, refused := appendClaimHeaders(headers[:0], tok, prov.cfg.ClaimsToHeaders)
	text, scopeViews, headerViews, idViews := detachEntry(s.token.value, sc, ch, ids)
	e.scopes, e.claimHeaders, e.refusedClaims, e.revIDs = scopeViews, headerViews, refused, idViews
	if prov.rev != nil {
		e.revGeneration = prov.rev.generation // the list ids was just checked against
	}
	if exp, ok := tok.Expiry(); ok {
		e.validUntil = unixNanoUntil(exp.Add(prov.cfg.ClockSkew))
	}
	if prov.cfg.ForwardPayloadHeader != "" {
		e.payload = payloadSpanOf(text)
	}
	e.conditions = evalConditions(tok, s.plugin.cfg.Conditions)
	if len(prov.cfg.ClaimsToLog) > 0 {
		e.logClaims = logClaims(tok, prov.cfg.ClaimsToLog)
	}
	return e, text
}
