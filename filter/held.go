package filter

import (
	"math"
	"strings"
	"time"
)

// Held requests: a request is paused, rather than refused, when its provider's keys may be
// about to change — its first sight of no keys at all, or of a kid the keys in use lack (a
// rotation the refresh has not seen yet). It is answered exactly once: verified again when
// the keys change or an attempt to fetch them ends, refused at its deadline
// (limits.pending_timeout), or dropped when its client goes away. limits.max_pending_requests
// bounds how many one VM holds.
//
// The package-internal API: pluginState.hold, settleHeld, release, mayRefetchForKid.

// heldRequest is one paused request.
type heldRequest struct {
	stream       *stream
	deadline     time.Time
	version      int64 // the version of the awaited document (keys or revocation list) when held
	attemptsSeen int64 // fetch attempts of that document completed when held
	// kidFetchAt, for a request held for an unknown kid while the refetch rate limit is in
	// force, is when the fetch it waits for may start (the end of the rate-limit window, or
	// the scheduled refresh); zero otherwise. The tick starts that fetch (kidRefetchDue).
	kidFetchAt time.Time
}

// settleHeld answers the held requests of p that can be answered now: those whose keys
// changed are verified again; those that saw a fetch attempt end without new keys, or that
// waited past their deadline, are refused.
func (pl *pluginState) settleHeld(p *providerState, s fetchSchedule, now time.Time) {
	p.held = pl.settle(p.held, p.keysVersion(), s, now)
}

// settleRevocationHeld does the same for requests held for p's first revocation list.
func (pl *pluginState) settleRevocationHeld(p *providerState, s fetchSchedule, now time.Time) {
	p.rev.held = pl.settle(p.rev.held, p.rev.fetcher.version, s, now)
}

// settle resumes the requests of held that can be answered now, given the awaited
// document's current version and schedule, and returns those still waiting. A resumed
// request is verified again.
func (pl *pluginState) settle(held []*heldRequest, version int64, s fetchSchedule, now time.Time) []*heldRequest {
	if len(held) == 0 {
		return held
	}
	keep := held[:0]
	for _, h := range held {
		switch {
		case h.stream.done:
			// The client went away; nothing to answer.
		case version != h.version, s.attempts > h.attemptsSeen, !now.Before(h.deadline):
			pl.heldCount--
			h.stream.resume()
		default:
			keep = append(keep, h)
			continue
		}
		h.stream.held = nil
	}
	clear(held[len(keep):])
	return keep
}

// holdResult is what became of a request that would wait for a fetch.
type holdResult uint8

const (
	// notHeld: limits.max_pending_requests is 0, nothing is ever held; the request is answered
	// at once with what the keys at hand say (keys_unavailable, unknown_kid,
	// revocation_unavailable).
	notHeld holdResult = iota
	// held: the stream is paused until the fetch ends or limits.pending_timeout passes.
	held
	// holdFull: the VM holds max_pending_requests already; the request is answered
	// too_many_pending (503, Retry-After), so that a flood of requests for keys that have not
	// come cannot grow the VM's memory without bound.
	holdFull
)

// hold pauses the current stream until keys for p change or a fetch attempt ends.
// kidFetchAt is the time of the fetch an unknown kid waits for, zero if none is awaited.
func (pl *pluginState) hold(st *stream, p *providerState, now, kidFetchAt time.Time) holdResult {
	return pl.holdOn(&p.held, st, p.jwks.schedule(), p.keysVersion(), now, kidFetchAt)
}

// holdForRevocation pauses the current stream until p's revocation list arrives or a fetch
// attempt ends (on_unavailable deny).
func (pl *pluginState) holdForRevocation(st *stream, p *providerState, now time.Time) holdResult {
	return pl.holdOn(&p.rev.held, st, p.rev.fetcher.schedule(), p.rev.fetcher.version, now, time.Time{})
}

func (pl *pluginState) holdOn(list *[]*heldRequest, st *stream, s fetchSchedule, version int64, now, kidFetchAt time.Time) holdResult {
	switch max := pl.cfg.Limits.MaxPendingRequests; {
	case max == 0:
		return notHeld
	case pl.heldCount >= max:
		return holdFull
	}
	// The token is a view of the request's header buffer, which the next request reuses
	// (abi.GetHttpRequestHeadersTransient); a held request outlives its callback.
	st.token.value = strings.Clone(st.token.value)
	st.everHeld = true
	h := &heldRequest{stream: st, deadline: now.Add(pl.cfg.Limits.PendingTimeout), version: version, attemptsSeen: s.attempts, kidFetchAt: kidFetchAt}
	*list = append(*list, h)
	st.held = h
	pl.heldCount++
	return held
}

// answerHeld answers every request p holds: an attempt they waited for ended (a discovery
// document that could not be had, so no keys can follow).
func (pl *pluginState) answerHeld(p *providerState, now time.Time) {
	pl.settleHeld(p, fetchSchedule{attempts: math.MaxInt64}, now)
}

// release forgets a held request whose client went away (OnHttpStreamDone).
func (pl *pluginState) release(h *heldRequest) {
	for _, p := range pl.providers {
		lists := []*[]*heldRequest{&p.held}
		if p.rev != nil {
			lists = append(lists, &p.rev.held)
		}
		for _, list := range lists {
			for i, x := range *list {
				if x == h {
					*list = append((*list)[:i], (*list)[i+1:]...)
					pl.heldCount--
					return
				}
			}
		}
	}
}

// Unknown kid (issue 15). A token whose kid the keys lack may announce a rotation the refresh
// has not seen yet, so it triggers a refetch — at most one per refetch_min_interval across the
// proxy, so that a stream of forged kids cannot become a stream of fetches. A forged kid must
// not, however, turn the next real rotation into refetch_min_interval of 401s: a token whose
// kid is unknown while the rate limit is in force is held until the next fetch that will
// happen (the end of the rate-limit window or the scheduled refresh, whichever is first), if
// that fetch starts within limits.pending_timeout, and verified again when it ends. Only when
// no fetch can happen in time is it refused at once (unknown_kid).

// kidFetch says when a fetch that may bring an unknown kid will start: now when the rate
// limit allows a refetch (recorded, and forced: the caller starts it), or the earlier of the
// window's end and the scheduled refresh; ok is false when that is past pending_timeout.
func (pl *pluginState) kidFetch(p *providerState, now time.Time) (at time.Time, force, ok bool) {
	s := p.jwks.schedule()
	if now.UnixNano() < s.leaseUntil {
		return now, false, true // a fetch is under way; it may well bring the kid
	}
	windowEnd := s.lastKidRefetch + int64(p.refetchMin)
	if now.UnixNano() >= windowEnd {
		if !pl.mayRefetchForKid(p, now) {
			return time.Time{}, false, false
		}
		return now, true, true
	}
	at = time.Unix(0, min(windowEnd, max(s.next, now.UnixNano())))
	if at.Sub(now) > pl.cfg.Limits.PendingTimeout {
		return time.Time{}, false, false
	}
	return at, false, true
}

// kidRefetchDue reports whether a request of p held for an unknown kid waits for the end of a
// rate-limit window that has come; the tick then makes the refetch (recorded like any
// unknown-kid refetch, so the rate limit still holds proxy-wide).
func (pl *pluginState) kidRefetchDue(p *providerState, now time.Time) bool {
	for _, h := range p.held {
		if !h.kidFetchAt.IsZero() && !now.Before(h.kidFetchAt) {
			return pl.mayRefetchForKid(p, now)
		}
	}
	return false
}

// mayRefetchForKid reports whether an unknown kid may trigger a refetch now (at most once per
// refetch interval across the proxy), and if so records it and makes the fetch due.
func (pl *pluginState) mayRefetchForKid(p *providerState, now time.Time) bool {
	if p.jwks.idle() {
		return false
	}
	s := p.jwks.schedule()
	if now.UnixNano() < s.leaseUntil {
		return true
	}
	if now.UnixNano()-s.lastKidRefetch < int64(p.refetchMin) {
		return false
	}
	_, ok := p.jwks.updateSchedule(func(s *fetchSchedule) {
		s.lastKidRefetch = now.UnixNano()
		s.next = now.UnixNano()
	})
	return ok
}
