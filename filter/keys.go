package filter

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// providerState is one provider in one VM: its configuration, the keys in use (last good:
// only a successfully fetched and parsed JWKS replaces them) and the requests held until
// new keys arrive.
type providerState struct {
	cfg    *config.Provider
	policy jwtverify.ClaimsPolicy

	keys        *jwtverify.KeySet
	keysVersion int64 // fetchSchedule.keysVersion of the keys in use (0: local or none)
	fetchedAt   time.Time

	// Remote source, nil without remote_jwks.
	scheduleKey string // shared-data keys, named after the JWKS URL so that plugins
	keysKey     string // fetching the same document share one fetch
	// inFlightUntil is when this VM's unanswered fetch stops counting as under way (its lease
	// end). The answer can be lost — the host drops a callout whose calling stream has gone
	// (the SDKs do; notes §1.9) — and a VM must not wait for it forever.
	inFlightUntil int64

	held []*heldRequest
}

func (p *providerState) hasKey(id jwtverify.KeyID) bool {
	return p.keys != nil && p.keys.Contains(id)
}

// heldRequest is a request paused until its provider's keys change or an attempt to fetch
// them ends: its first sight of no keys at all, or of a kid the keys in use lack (a rotation
// the refresh has not seen yet). It is answered exactly once: resumed, refused, or dropped
// when its client goes away.
type heldRequest struct {
	stream       *stream
	deadline     time.Time
	keysVersion  int64 // the provider's keysVersion when held
	attemptsSeen int64 // fetch attempts completed when held
}

// createOnlyCAS makes a shared-data write succeed only if the key does not exist yet.
const createOnlyCAS = 1<<32 - 1

// leaseMargin is added to the fetch timeout for a lease: Envoy answers a timed-out call
// with a synthesized 504 after the timeout, so the lease outlives the call.
const leaseMargin = time.Second

// readSchedule returns the stored schedule and its CAS (0 when absent).
func (p *providerState) readSchedule() (fetchSchedule, uint32) {
	s, cas, _ := p.readScheduleRecord()
	return s, cas
}

// readScheduleRecord also says whether the record exists.
func (p *providerState) readScheduleRecord() (fetchSchedule, uint32, bool) {
	b, cas, err := abi.GetSharedData(p.scheduleKey)
	if err != nil {
		return fetchSchedule{}, 0, false
	}
	return decodeSchedule(b), cas, true
}

// updateSchedule applies change to the stored schedule with compare-and-swap, retrying a few
// times against concurrent writers from other VMs.
func (p *providerState) updateSchedule(change func(*fetchSchedule)) (fetchSchedule, bool) {
	for i := 0; i < 4; i++ {
		s, cas := p.readSchedule()
		change(&s)
		if err := abi.SetSharedData(p.scheduleKey, s.encode(), cas); err == nil {
			return s, true
		}
	}
	return fetchSchedule{}, false
}

// storeShared overwrites a shared-data key. It writes with the CAS it read rather than with
// cas 0: Envoy treats 0 as unconditional, but not every host does (the SDK's emulator
// refuses 0 on an existing key), and a CAS write is correct everywhere.
func storeShared(key string, value []byte) error {
	var err error
	for i := 0; i < 4; i++ {
		_, cas, getErr := abi.GetSharedData(key)
		if getErr != nil {
			cas = 0
		}
		if err = abi.SetSharedData(key, value, cas); err == nil {
			return nil
		}
	}
	return err
}

// maybeFetch starts a fetch from this VM if one is due and no other VM holds the lease.
// force makes it due now (unknown kid, or keys needed by a held request).
func (pl *pluginState) maybeFetch(p *providerState, now time.Time, force bool) {
	if p.cfg.Remote == nil || now.UnixNano() < p.inFlightUntil {
		return
	}
	s, cas, exists := p.readScheduleRecord()
	if now.UnixNano() < s.leaseUntil || (!force && now.UnixNano() < s.next) {
		return
	}
	s.leaseUntil = now.Add(p.cfg.Remote.Timeout + leaseMargin).UnixNano()
	s.owner = pl.vmNonce
	if !exists {
		// No record yet. cas 0 would write unconditionally, so two VMs starting together
		// could both take the first lease. A non-zero cas on a missing key succeeds, while on
		// a key that another VM has just created it fails (CAS mismatch) unless that key's cas
		// happens to equal it (notes §2.9): the largest value makes the create exclusive for
		// the first 2^32-1 writes of the process.
		cas = createOnlyCAS
	}
	if abi.SetSharedData(p.scheduleKey, s.encode(), cas) != nil {
		return
	}
	if s2, _ := p.readSchedule(); s2.owner != pl.vmNonce {
		return
	}
	pl.fetch(p, s.leaseUntil)
}

// fetch dispatches the JWKS request (notes §2.5: :method, :path and :authority are required;
// the response comes back to this VM's root context).
func (pl *pluginState) fetch(p *providerState, leaseUntil int64) {
	r := p.cfg.Remote
	headers := [][2]string{
		{":method", "GET"}, {":path", r.Path}, {":authority", r.Authority},
		{"accept", "application/jwk-set+json, application/json"},
		{"user-agent", "jwtguard"},
	}
	timeout := uint32(r.Timeout / time.Millisecond)
	if timeout == 0 {
		timeout = 1 // 0 would mean no timeout at all in Envoy
	}
	if _, err := abi.DispatchHttpCall(r.Cluster, headers, nil, nil, timeout, func(numHeaders, bodySize, _ int) {
		pl.onFetched(p, numHeaders, bodySize)
	}); err != nil {
		// Unknown cluster or missing pseudo-headers: a configuration the proxy does not
		// support. Count it as a failed attempt so that backoff applies and held requests
		// are answered.
		abi.LogError("jwtguard: provider " + p.cfg.Name + ": cannot dispatch the JWKS fetch to cluster " + r.Cluster + ": " + err.Error())
		pl.fetchFailed(p, pl.now(), "dispatch_failed")
		return
	}
	p.inFlightUntil = leaseUntil
	pl.metrics.fetches.Increment(1)
}

// onFetched handles the IdP's answer. Only a 200 whose body fits the limit and parses into a
// key set with at least one usable key replaces the keys; anything else keeps the last good
// keys and backs off.
func (pl *pluginState) onFetched(p *providerState, numHeaders, bodySize int) {
	p.inFlightUntil = 0
	now := pl.now()
	status := ""
	if numHeaders > 0 {
		if hs, err := abi.GetHttpCallResponseHeaders(); err == nil {
			for _, h := range hs {
				if h[0] == ":status" {
					status = h[1]
					break
				}
			}
		}
	}
	switch {
	case numHeaders == 0:
		pl.fetchFailed(p, now, "reset")
		return
	case status != "200":
		pl.fetchFailed(p, now, "status_"+status)
		return
	case bodySize > pl.cfg.Limits.MaxJWKSBytes:
		pl.fetchFailed(p, now, "too_large")
		return
	}
	body, err := abi.GetHttpCallResponseBody(0, bodySize)
	if err != nil {
		pl.fetchFailed(p, now, "empty_body")
		return
	}
	ks, err := jwtverify.ParseJWKS(body)
	if err == nil && ks.Len() > pl.cfg.Limits.MaxKeys {
		err = errTooManyKeys
	}
	if err != nil {
		abi.LogWarn("jwtguard: provider " + p.cfg.Name + ": JWKS refused, keeping the keys in use: " + err.Error())
		pl.fetchFailed(p, now, "invalid_jwks")
		return
	}
	for _, sk := range ks.Skipped() {
		abi.LogInfo("jwtguard: provider " + p.cfg.Name + ": JWKS key " + strconv.Itoa(sk.Index) + " skipped: " + sk.Reason)
	}
	s, _ := p.updateSchedule(func(s *fetchSchedule) {
		s.keysVersion++
		s.attempts++
		s.failures = 0
		s.leaseUntil = 0
		s.next = now.Add(p.cfg.Remote.RefreshInterval).UnixNano()
	})
	if err := storeShared(p.keysKey, encodeKeyRecord(now, body)); err != nil {
		abi.LogError("jwtguard: cannot share the fetched JWKS: " + err.Error())
	}
	pl.metrics.fetchOK.Increment(1)
	pl.install(p, ks, s.keysVersion, now)
	pl.settleHeld(p, s, now)
}

// fetchFailed records a failed attempt: consecutive failures back off exponentially with
// full jitter between half and all of the delay, capped at the refresh interval.
func (pl *pluginState) fetchFailed(p *providerState, now time.Time, why string) {
	pl.metrics.fetchFailed.Increment(1)
	abi.LogWarn("jwtguard: provider " + p.cfg.Name + ": JWKS fetch failed (" + why + "); keys in use are kept")
	s, _ := p.updateSchedule(func(s *fetchSchedule) {
		s.attempts++
		s.failures++
		s.leaseUntil = 0
		s.next = now.Add(backoff(s.failures, p.cfg.Remote.RefreshInterval)).UnixNano()
	})
	pl.settleHeld(p, s, now)
}

const (
	backoffBase = time.Second
	backoffMax  = 5 * time.Minute
)

func backoff(failures int64, ceiling time.Duration) time.Duration {
	d := backoffBase
	for i := int64(1); i < failures && d < backoffMax; i++ {
		d *= 2
	}
	if ceiling > 0 && d > ceiling {
		d = ceiling
	}
	if d > backoffMax {
		d = backoffMax
	}
	half := int64(d / 2)
	return time.Duration(half + rand.Int64N(half+1))
}

// install makes ks the keys in use and drops cached tokens whose key left the set.
func (pl *pluginState) install(p *providerState, ks *jwtverify.KeySet, version int64, fetchedAt time.Time) {
	p.keys = ks
	p.keysVersion = version
	p.fetchedAt = fetchedAt
	pl.cache.dropKeysOf(p)
}

// adopt reads keys another VM stored, when the schedule says they changed.
func (pl *pluginState) adopt(p *providerState, s fetchSchedule) {
	if s.keysVersion == 0 || s.keysVersion == p.keysVersion {
		return
	}
	b, _, err := abi.GetSharedData(p.keysKey)
	if err != nil {
		return
	}
	fetchedAt, doc, ok := decodeKeyRecord(b)
	if !ok {
		p.keysVersion = s.keysVersion // unreadable: do not retry it on every tick
		return
	}
	ks, err := jwtverify.ParseJWKS(doc)
	if err != nil {
		abi.LogError("jwtguard: provider " + p.cfg.Name + ": shared JWKS does not parse: " + err.Error())
		p.keysVersion = s.keysVersion
		return
	}
	pl.install(p, ks, s.keysVersion, fetchedAt)
}

// adoptShared adopts keys another VM stored since this VM last looked, and reports whether
// the keys in use changed. The request path calls it before holding a request, so that a
// worker whose tick has not come yet does not hold requests for keys the proxy already has.
func (pl *pluginState) adoptShared(p *providerState) bool {
	before := p.keysVersion
	s, _ := p.readSchedule()
	pl.adopt(p, s)
	return p.keysVersion != before
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
		case p.keysVersion != h.keysVersion, s.attempts > h.attemptsSeen, !now.Before(h.deadline):
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
	s, _ := p.readSchedule()
	h := &heldRequest{stream: st, deadline: now.Add(pl.cfg.Limits.PendingTimeout), keysVersion: p.keysVersion, attemptsSeen: s.attempts}
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
	if p.cfg.Remote == nil {
		return false
	}
	s, _ := p.readSchedule()
	if now.UnixNano() < s.leaseUntil {
		return true // a fetch is under way; it may well bring the kid
	}
	if now.UnixNano()-s.lastKidRefetch < int64(p.cfg.Remote.RefetchMinInterval) {
		return false
	}
	_, ok := p.updateSchedule(func(s *fetchSchedule) {
		s.lastKidRefetch = now.UnixNano()
		s.next = now.UnixNano()
	})
	return ok
}
