package filter

import (
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
// request is verified again and is never held a second time.
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

// hold pauses the current stream until keys for p change or a fetch attempt ends.
func (pl *pluginState) hold(st *stream, p *providerState, now time.Time) bool {
	return pl.holdOn(&p.held, st, p.jwks.schedule(), p.keysVersion(), now)
}

// holdForRevocation pauses the current stream until p's revocation list arrives or a fetch
// attempt ends (on_unavailable deny).
func (pl *pluginState) holdForRevocation(st *stream, p *providerState, now time.Time) bool {
	return pl.holdOn(&p.rev.held, st, p.rev.fetcher.schedule(), p.rev.fetcher.version, now)
}

func (pl *pluginState) holdOn(list *[]*heldRequest, st *stream, s fetchSchedule, version int64, now time.Time) bool {
	if pl.heldCount >= pl.cfg.Limits.MaxPendingRequests {
		return false
	}
	h := &heldRequest{stream: st, deadline: now.Add(pl.cfg.Limits.PendingTimeout), version: version, attemptsSeen: s.attempts}
	*list = append(*list, h)
	st.held = h
	pl.heldCount++
	return true
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

// mayRefetchForKid reports whether an unknown kid may trigger a refetch now (at most once per
// refetch interval across the proxy), and if so records it and makes the fetch due.
func (pl *pluginState) mayRefetchForKid(p *providerState, now time.Time) bool {
	if p.jwks == nil {
		return false
	}
	s := p.jwks.schedule()
	if now.UnixNano() < s.leaseUntil {
		return true // a fetch is under way; it may well bring the kid
	}
	if now.UnixNano()-s.lastKidRefetch < int64(p.cfg.Remote.RefetchMinInterval) {
		return false
	}
	_, ok := p.jwks.updateSchedule(func(s *fetchSchedule) {
		s.lastKidRefetch = now.UnixNano()
		s.next = now.UnixNano()
	})
	return ok
}
