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
	keysVersion  int64 // the provider's keys version when held
	attemptsSeen int64 // fetch attempts completed when held
}

// settleHeld answers the held requests of p that can be answered now: those whose keys
// changed are verified again; those that saw a fetch attempt end without new keys, or that
// waited past their deadline, are refused.
func (pl *pluginState) settleHeld(p *providerState, s fetchSchedule, now time.Time) {
	if len(p.held) == 0 {
		return
	}
	keep := p.held[:0]
	for _, h := range p.held {
		switch {
		case h.stream.done:
			// The client went away; nothing to answer.
		case p.keysVersion() != h.keysVersion, s.attempts > h.attemptsSeen, !now.Before(h.deadline):
			pl.heldCount--
			h.stream.resume()
		default:
			keep = append(keep, h)
			continue
		}
		h.stream.held = nil
	}
	clear(p.held[len(keep):])
	p.held = keep
}

// hold pauses the current stream until keys for p change or a fetch attempt ends.
func (pl *pluginState) hold(st *stream, p *providerState, now time.Time) bool {
	if pl.heldCount >= pl.cfg.Limits.MaxPendingRequests {
		return false
	}
	s := p.jwks.schedule()
	h := &heldRequest{stream: st, deadline: now.Add(pl.cfg.Limits.PendingTimeout), keysVersion: p.keysVersion(), attemptsSeen: s.attempts}
	p.held = append(p.held, h)
	st.held = h
	pl.heldCount++
	return true
}

// release forgets a held request whose client went away (OnHttpStreamDone).
func (pl *pluginState) release(h *heldRequest) {
	for _, p := range pl.providers {
		for i, x := range p.held {
			if x == h {
				p.held = append(p.held[:i], p.held[i+1:]...)
				pl.heldCount--
				return
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
