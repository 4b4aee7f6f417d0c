package filter

import (
	"errors"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// Revocation (issue 20, docs/revocation.md): a provider's revocation section is a list
// fetched through the same fetcher as the JWKS (one fetch per proxy, backoff, last good,
// If-None-Match/304) plus static entries from the configuration. A verified token is looked
// up after its signature checks out (an unverified token's claims decide nothing), in O(1)
// maps whatever the list's size.
//
// The cache of verified tokens stays correct without scanning it: every VM numbers the lists
// it installs (generation), each cache entry remembers the generation it was checked against,
// and a cache hit whose generation is older is checked again once, then carries the new
// generation. An unchanged list costs a hit one integer comparison.

// revocationState is one provider's revocation in one VM.
type revocationState struct {
	cfg     *config.Revocation
	skew    int64                     // the provider's clock_skew, seconds
	list    *jwtverify.RevocationList // the fetched list in use; nil until one arrives
	fetcher *fetcher[*jwtverify.RevocationList]
	// generation numbers the lists this VM installed (0: none yet).
	generation uint32
	held       []*heldRequest // requests waiting for the first list

	unchecked abi.Counter // requests served without the fetched list (on_unavailable allow)
	age       abi.Gauge   // seconds since the publisher last confirmed the list in use
}

// revocationIDs are what a cache entry keeps to be checked against a newer list: the
// token's jti and sub (copies, not views of its payload) and iat.
type revocationIDs = jwtverify.TokenIDs

func (pl *pluginState) newRevocation(p *providerState) *revocationState {
	c := p.cfg.Revocation
	r := &revocationState{cfg: c, skew: int64(p.cfg.ClockSkew / time.Second)}
	if !c.Remote() {
		return r
	}
	name := p.cfg.Name
	r.unchecked = abi.DefineCounter(metricRevocationUnchecked + metricProviderPart + name)
	r.age = abi.DefineGauge(metricRevocationAge + metricProviderPart + name)
	r.fetcher = newFetcher(fetchSpec[*jwtverify.RevocationList]{
		what:            "revocation list",
		owner:           "provider " + name,
		cluster:         c.Cluster,
		authority:       c.Authority,
		path:            c.Path,
		accept:          "application/json",
		timeout:         c.Timeout,
		refreshInterval: c.RefreshInterval,
		// A failing publisher is retried from one second on, never less often than the
		// refresh interval (the fetcher caps the backoff there).
		backoffBase: time.Second,
		backoffMax:  c.RefreshInterval,
		maxBytes:    c.Limits.MaxBytes,
		// Prefixed, so that a list served at a JWKS URL cannot share the JWKS's record.
		sharedKey: "revocation|" + c.Cluster + "|" + c.Authority + "|" + c.Path,
		counters:  fetchCounters{pl.metrics.revFetches, pl.metrics.revFetchOK, pl.metrics.revFetchFailed},
		// The VM that fetched the document parses it and publishes the built index; the
		// other VMs adopt the index (checked, then copied) instead of parsing the JSON again:
		// a 10^5-entry list takes a VM a fraction of a second to parse, during which its
		// worker serves nothing (docs/revocation.md, "Polling at mesh scale").
		parse: func(body []byte, fetched bool) (*jwtverify.RevocationList, error) {
			if fetched {
				return jwtverify.ParseRevocations(body, c.Limits)
			}
			return jwtverify.DecodeIndex(body, c.Limits)
		},
		shared: func(l *jwtverify.RevocationList, _ []byte) []byte { return l.EncodeIndex() },
		install: func(l *jwtverify.RevocationList) {
			r.list = l
			r.generation++
		},
		inUse:   r.inUse,
		settled: func(s fetchSchedule, now time.Time) { pl.settleRevocationHeld(p, s, now) },
	}, pl.vmNonce, pl.now)
	return r
}

// inUse says, for the fetcher's log lines, what this VM enforces without the list it did
// not get.
func (r *revocationState) inUse() string {
	switch {
	case r.list != nil:
		return "the revocation list in use is kept"
	case r.cfg.AllowUnavailable:
		return "no revocation list yet: requests are served without it (on_unavailable allow)"
	}
	return "no revocation list yet: requests that need it are refused (on_unavailable deny)"
}

// revokes reports whether the static entries or the fetched list revoke the token at now.
func (r *revocationState) revokes(ids revocationIDs, now time.Time) bool {
	at := now.Unix() - r.skew // an entry covers its tokens as long as exp + clock_skew does
	return r.cfg.Static.Revokes(ids, at) || r.list.Revokes(ids, at)
}

// unavailable reports whether a fetched list is configured but none has arrived.
func (r *revocationState) unavailable() bool { return r.fetcher != nil && r.list == nil }

// tick runs the fetch schedule, answers requests held for the list, and reports its age.
func (pl *pluginState) tickRevocation(p *providerState, now time.Time) {
	r := p.rev
	if r == nil || r.fetcher == nil {
		return
	}
	s := r.fetcher.tick(now, r.list == nil && len(r.held) > 0)
	pl.settleRevocationHeld(p, s, now)
	// Like the keys' age: from the publisher's last word on the list in use (a 304 counts).
	if at := r.fetcher.confirmedAt(s); !at.IsZero() {
		r.age.Set(int64(now.Sub(at) / time.Second))
	}
}

// awaitFirstList answers or holds a request that needs p's first revocation list
// (on_unavailable deny).
func (s *stream) awaitFirstList(prov *providerState, now time.Time) types.Action {
	if !s.revHeld {
		switch s.plugin.holdForRevocation(s, prov, now) {
		case held:
			s.revHeld = true
			prov.rev.fetcher.maybeFetch(now, true)
			return types.ActionPause
		case holdFull:
			return s.refuse(reasonTooManyHeld)
		}
	}
	return s.refuse(reasonRevocationUnavailable)
}

// checkRevocation is the request path's check of a token whose signature verified. ok is
// true when the request may go on; otherwise action is what to return (refused or held). A
// request is held for the first list at most once, even if it was held for keys before: the
// first request after a start typically waits for both, and the two fetches end apart.
func (s *stream) checkRevocation(prov *providerState, ids revocationIDs, keyID jwtverify.KeyID, now time.Time) (types.Action, bool) {
	r := prov.rev
	if r.unavailable() {
		r.fetcher.adoptShared() // another VM may have it already
	}
	if r.unavailable() {
		if !r.cfg.AllowUnavailable {
			return s.awaitFirstList(prov, now), false
		}
		r.unchecked.Increment(1)
	}
	if r.revokes(ids, now) {
		// Remembered like a token refused on its claims, so that a client that keeps
		// sending a revoked token (a logged-out page still polling) costs a map lookup, not
		// a signature check; until the next list, which may have lifted the revocation.
		s.plugin.rejected.put(s.token.value, verifiedToken{provider: prov, keyID: keyID,
			rejection: jwtverify.ReasonOf(jwtverify.ErrRevoked), revGeneration: r.generation})
		return s.refuse(tokenReason(jwtverify.ErrRevoked)), false
	}
	return types.ActionContinue, true
}

// staleRevocation reports whether a remembered refusal is a revocation decided against a
// list older than the provider's current one: the token is then judged again.
func staleRevocation(e *verifiedToken) bool {
	r := e.provider.rev
	return r != nil && errors.Is(e.rejection, jwtverify.ErrRevoked) && e.revGeneration != r.generation
}

// cachedRevoked checks a cache hit against lists installed since it was last checked, and
// counts a hit served without the fetched list. It reports whether the token is revoked.
func (s *stream) cachedRevoked(e *verifiedToken, now time.Time) bool {
	r := e.provider.rev
	if r == nil {
		return false
	}
	if r.unavailable() {
		// Only on_unavailable allow admits a token before the first list (deny holds or
		// refuses it), and a VM never drops a list it had.
		r.unchecked.Increment(1)
	}
	if e.revGeneration == r.generation {
		return false
	}
	if r.revokes(e.revIDs, now) {
		return true
	}
	e.revGeneration = r.generation
	return false
}
