package filter

import (
	"time"

	"github.com/jwtguard/jwtguard/internal/abi"
)

// A fetcher keeps one remote JSON document current for the whole proxy: it is the job Envoy's
// jwt_authn gives jwks_fetcher.cc (the HTTP call) and jwks_async_fetcher.cc (the refresh
// timer), made generic so that every document jwtguard fetches (the JWKS of remote_jwks; other
// documents such as a revocation list or an OpenID Connect discovery document) shares one
// implementation of its guarantees (issue 21):
//
//   - one fetch per proxy: Envoy runs one VM per worker plus the main thread; the VMs share a
//     fetchSchedule in shared data and only the VM holding its lease fetches (schedule.go);
//   - the fetch is a dispatched HTTP call (proxy_http_call) to an Envoy cluster, with the
//     configured timeout; no goroutine, no timer: OnTick drives it;
//   - last good: only a 200 whose body fits maxBytes and that parse accepts replaces the
//     document in use; any other answer keeps it and counts as a failure;
//   - backoff: consecutive failures wait backoffBase, doubled per failure, capped at
//     backoffMax and at refreshInterval, with jitter (see backoff);
//   - ETag (RFC 9110 §8.8.3, §13.1.2): the fetch sends If-None-Match with the ETag of the
//     published document; 304 Not Modified confirms it like a 200 with the same body, without
//     publishing it again (so no VM parses it again);
//   - publication to the other VMs through a versioned record (sharedrecord.go), adopted by
//     them on their tick or on demand (adopt.go).
//
// The package-internal API (used by the JWKS in keys.go and the discovery document in
// discovery.go):
//
//	f := newFetcher(spec, vmNonce, now)  // at plugin start, one per document per VM
//	f.tick(now, force)                   // from OnTick: adopt a newer document, fetch when due
//	f.maybeFetch(now, force)             // fetch if due (force: due now), lease permitting
//	f.adoptShared() bool                 // adopt a document another VM published since
//	f.schedule()                         // the proxy-wide schedule, read from shared data
//	f.version, f.fetchedAt               // the document in use in this VM (version 0: none)
//	f.confirmedAt(schedule)              // when the server last vouched for it (200 or 304)
//	f.retarget(cluster, authority, path) // fetch from elsewhere (the document in use stays)
//	f.idle()                             // no target yet: fetches and adopts nothing
//
// and the spec's callbacks parse (validate a body: from a fetch, or a record being adopted),
// install (make a parsed document the one in use in this VM), inUse (what the VM goes on
// with after a failure, for the log line) and settled (an attempt ended: answer whoever
// waited for it). Callbacks run on the VM's thread, inside the fetcher's own calls: they may
// start another fetcher's fetch, never their own fetcher's.
type fetcher[T any] struct {
	spec fetchSpec[T]

	scheduleKey string // shared-data keys, named after spec.sharedKey
	recordKey   string

	version   int64     // fetchSchedule.version of the document in use (0: none fetched)
	fetchedAt time.Time // when the document in use was fetched

	// inFlightUntil is when this VM's unanswered fetch stops counting as under way (its lease
	// end). The answer can be lost — the host drops a callout whose calling stream has gone
	// (the SDKs do; docs/host.md#http-calls) — and a VM must not wait for it forever.
	inFlightUntil int64

	vmNonce uint64           // tells this VM's lease from other VMs'
	now     func() time.Time // the host's clock

	// interleave, nil outside tests, is called at the points where another VM's thread may
	// run between two shared-data operations of this one (Envoy runs worker VMs on separate
	// threads; proxytest is single-threaded), so that tests make those interleavings
	// explicit: interleaveScheduleRead (updateSchedule read the schedule, not written yet),
	// interleavePublish (between the two steps of publishing a document).
	interleave func(point string)
}

const (
	interleaveScheduleRead = "schedule-read"
	interleavePublish      = "publish"
)

func (f *fetcher[T]) at(point string) {
	if f.interleave != nil {
		f.interleave(point)
	}
}

// fetchSpec describes one remote document.
type fetchSpec[T any] struct {
	what  string // the document, for log lines: "JWKS"
	owner string // who uses it, for log lines: "provider corp"

	cluster, authority, path string
	accept                   string // the Accept header of the fetch

	timeout, refreshInterval time.Duration
	backoffBase, backoffMax  time.Duration
	maxBytes                 int

	// sharedKey names the document in shared data, made of what, cluster, authority and
	// path: VMs and plugins fetching the same document share one schedule and one record.
	sharedKey string
	counters  fetchCounters

	// parse validates a body; an error refuses it (the document in use is kept). fetched is
	// true for a body just fetched, false for a record another VM published (already
	// validated once; log only what is new). It must not change any state.
	parse func(body []byte, fetched bool) (T, error)
	// shared, when set, gives what to publish for the other VMs instead of the fetched body,
	// and parse(…, false) reads it back: a revocation list publishes its built index, so
	// that the other VMs do not parse the JSON again (issue 20).
	shared func(doc T, body []byte) []byte
	// install makes doc the document in use in this VM.
	install func(doc T)
	// inUse says, for the log line of a failed or refused fetch, what this VM uses instead
	// of the document it did not get (issue 15, defect 4: say what is true, e.g. that there
	// is nothing yet).
	inUse func() string
	// settled is called after every attempt ends (new document, 304, or failure) on the VM
	// that made it, with the schedule as that attempt left it.
	settled func(s fetchSchedule, now time.Time)
}

// fetchCounters are the metrics of one kind of document (zero counters count nothing).
type fetchCounters struct {
	dispatched, succeeded, failed abi.Counter
}

// newFetcher makes the fetcher of spec. A spec without a cluster makes an idle fetcher (it
// fetches and adopts nothing) until retarget gives it one: the keys of a discovery provider
// before its discovery document is known.
func newFetcher[T any](spec fetchSpec[T], vmNonce uint64, now func() time.Time) *fetcher[T] {
	f := &fetcher[T]{spec: spec, vmNonce: vmNonce, now: now}
	f.retarget(spec.cluster, spec.authority, spec.path)
	return f
}

// retarget points the fetcher at another document (a discovery document named a new
// jwks_uri). The document in use stays in use (last good) until one is fetched or adopted
// from the new place, which is shared under its own keys.
func (f *fetcher[T]) retarget(cluster, authority, path string) {
	f.spec.cluster, f.spec.authority, f.spec.path = cluster, authority, path
	f.spec.sharedKey = f.spec.what + "|" + cluster + "|" + authority + "|" + path
	f.scheduleKey = "jwtguard.schedule." + f.spec.sharedKey
	f.recordKey = "jwtguard.doc." + f.spec.sharedKey
	f.version, f.inFlightUntil = 0, 0
}

// idle reports whether the fetcher has nowhere to fetch from yet.
func (f *fetcher[T]) idle() bool { return f.spec.cluster == "" }

// leaseMargin is added to the fetch timeout for a lease: Envoy answers a timed-out call
// with a synthesized 504 after the timeout, so the lease outlives the call.
const leaseMargin = time.Second

// tick is the fetcher's part of OnTick: adopt what another VM published, then fetch if due.
// It returns the schedule it read, for the caller's own deadlines.
func (f *fetcher[T]) tick(now time.Time, force bool) fetchSchedule {
	if f.idle() {
		return fetchSchedule{}
	}
	s := f.schedule()
	f.adopt(s)
	f.maybeFetch(now, force)
	return s
}

// maybeFetch starts a fetch from this VM if one is due and no other VM holds the lease.
// force makes it due now (unknown kid, or a document needed by a waiting request).
func (f *fetcher[T]) maybeFetch(now time.Time, force bool) {
	if f.idle() || now.UnixNano() < f.inFlightUntil {
		return
	}
	s, cas, exists := f.readSchedule()
	if now.UnixNano() < s.leaseUntil || (!force && now.UnixNano() < s.next) {
		return
	}
	s.leaseUntil = now.Add(f.spec.timeout + leaseMargin).UnixNano()
	s.owner = f.vmNonce
	if !exists {
		// No record yet. cas 0 would write unconditionally, so two VMs starting together
		// could both take the first lease. A non-zero cas on a missing key succeeds, while on
		// a key that another VM has just created it fails (CAS mismatch) unless that key's cas
		// happens to equal it (docs/host.md#shared-data): the largest value makes the create exclusive for
		// the first 2^32-1 writes of the process.
		cas = createOnlyCAS
	}
	if abi.SetSharedData(f.scheduleKey, s.encode(), cas) != nil {
		return
	}
	if s2 := f.schedule(); s2.owner != f.vmNonce {
		return
	}
	f.dispatch(s, now)
}

// dispatch sends the request (docs/host.md#http-calls: :method, :path and :authority are required; the
// response comes back to this VM's root context). It asks If-None-Match with the ETag of the
// published document when that document is the current one.
func (f *fetcher[T]) dispatch(s fetchSchedule, now time.Time) {
	headers := [][2]string{
		{":method", "GET"}, {":path", f.spec.path}, {":authority", f.spec.authority},
		{"accept", f.spec.accept}, {"user-agent", "jwtguard"},
	}
	var sent docRecord // the record whose ETag is sent; version 0: none
	if rec, ok := f.readRecord(); ok && rec.version == s.version && rec.etag != "" {
		sent = docRecord{version: rec.version, etag: rec.etag}
		headers = append(headers, [2]string{"if-none-match", rec.etag})
	}
	timeout := uint32(f.spec.timeout / time.Millisecond)
	if timeout == 0 {
		timeout = 1 // 0 would mean no timeout at all in Envoy
	}
	if _, err := abi.DispatchHttpCall(f.spec.cluster, headers, nil, nil, timeout, func(numHeaders, bodySize, _ int) {
		f.onResponse(numHeaders, bodySize, sent.version)
	}); err != nil {
		// Unknown cluster or missing pseudo-headers: a configuration the proxy does not
		// support. Count it as a failed attempt so that backoff applies and waiters are
		// answered.
		abi.LogError("jwtguard: " + f.spec.owner + ": cannot dispatch the " + f.spec.what + " fetch to cluster " + f.spec.cluster + ": " + err.Error())
		f.failed(now, "dispatch_failed")
		return
	}
	f.inFlightUntil = s.leaseUntil
	f.spec.counters.dispatched.Increment(1)
}

// onResponse handles the answer; sentVersion is the version whose ETag the request sent (0:
// none, so a 304 confirms nothing).
func (f *fetcher[T]) onResponse(numHeaders, bodySize int, sentVersion int64) {
	f.inFlightUntil = 0
	now := f.now()
	var status, etag string
	if numHeaders > 0 {
		if hs, err := abi.GetHttpCallResponseHeaders(); err == nil {
			for _, h := range hs {
				switch h[0] {
				case ":status":
					status = h[1]
				case "etag":
					etag = h[1]
				}
			}
		}
	}
	switch {
	case numHeaders == 0:
		f.failed(now, "reset")
		return
	case status == "304" && sentVersion != 0:
		f.notModified(now, sentVersion)
		return
	case status != "200":
		f.failed(now, "status_"+status)
		return
	case bodySize > f.spec.maxBytes:
		f.failed(now, "too_large")
		return
	}
	body, err := abi.GetHttpCallResponseBody(0, bodySize)
	if err != nil {
		f.failed(now, "empty_body")
		return
	}
	doc, err := f.spec.parse(body, true)
	if err != nil {
		f.logRefused(err)
		f.failed(now, "invalid_document")
		return
	}
	f.succeeded(doc, body, validETag(etag), now)
}

func (f *fetcher[T]) logRefused(err error) {
	abi.LogWarn("jwtguard: " + f.spec.owner + ": " + f.spec.what + " refused: " + err.Error() + "; " + f.spec.inUse())
}

// succeeded publishes a new document and installs it here.
func (f *fetcher[T]) succeeded(doc T, body []byte, etag string, now time.Time) {
	f.spec.counters.succeeded.Increment(1)
	if f.spec.shared != nil {
		body = f.spec.shared(doc, body)
	}
	s, ok := f.publish(body, etag, now)
	f.spec.install(doc)
	if ok {
		f.version, f.fetchedAt = s.version, now
	} else {
		// The document is good, so this VM uses it; the others keep theirs until the next
		// fetch. f.version stays: it names the published document this VM last had, and
		// adopt will replace this one as soon as a newer one is published.
		f.fetchedAt = now
		s = f.unrecorded("publish the fetched " + f.spec.what)
	}
	f.spec.settled(s, now)
}

// publish stores the record, then tells the schedule (issue 15, defect 2). The record carries
// its version and is written first, so a VM that reads the schedule's new version finds the
// record of that version; one that reads the record in between sees a version the schedule
// does not name yet and ignores it (adopt). A failed schedule write (another VM wrote it
// between read and write) is retried with the record rewritten under the next version.
func (f *fetcher[T]) publish(body []byte, etag string, now time.Time) (fetchSchedule, bool) {
	for i := 0; i < 4; i++ {
		s, cas, _ := f.readSchedule()
		f.at(interleaveScheduleRead)
		s.version++
		s.attempts++
		s.failures = 0
		s.leaseUntil = 0
		s.confirmed = now.UnixNano()
		s.next = now.Add(f.spec.refreshInterval).UnixNano()
		rec := encodeRecord(docRecord{version: s.version, fetchedAt: now, etag: etag, body: body})
		if err := storeShared(f.recordKey, rec); err != nil {
			return fetchSchedule{}, false
		}
		f.at(interleavePublish)
		if abi.SetSharedData(f.scheduleKey, s.encode(), cas) == nil {
			return s, true
		}
	}
	return fetchSchedule{}, false
}

// unrecorded is the schedule to settle waiters with when this VM could not write the
// schedule after an attempt (issue 15, defect 3: other VMs kept writing it between every
// read and write): the stored schedule with this attempt counted, so that the requests this
// VM holds learn that an attempt ended. The lease this VM took simply expires.
func (f *fetcher[T]) unrecorded(what string) fetchSchedule {
	abi.LogError("jwtguard: " + f.spec.owner + ": cannot " + what + ": shared data kept changing under concurrent writers; the next attempt follows when this VM's lease expires")
	s := f.schedule()
	s.attempts++
	return s
}

// notModified: the IdP confirmed the published document (304 to our If-None-Match). It is an
// attempt that succeeded: backoff resets and the next fetch is a refresh interval away.
// A document published meanwhile by another VM (whose lease outlived this fetch's) is not
// the one confirmed: it keeps its own confirmation time.
func (f *fetcher[T]) notModified(now time.Time, sentVersion int64) {
	f.spec.counters.succeeded.Increment(1)
	s, ok := f.updateSchedule(func(s *fetchSchedule) {
		s.attempts++
		s.failures = 0
		s.leaseUntil = 0
		if s.version == sentVersion {
			s.confirmed = now.UnixNano()
		}
		s.next = now.Add(f.spec.refreshInterval).UnixNano()
	})
	if !ok {
		s = f.unrecorded("record that the " + f.spec.what + " is not modified")
	}
	f.adopt(s) // this VM may not have adopted the published document yet
	f.spec.settled(s, now)
}

// failed records a failed attempt and backs off.
func (f *fetcher[T]) failed(now time.Time, why string) {
	f.spec.counters.failed.Increment(1)
	abi.LogWarn("jwtguard: " + f.spec.owner + ": " + f.spec.what + " fetch failed (" + why + "); " + f.spec.inUse())
	s, ok := f.updateSchedule(func(s *fetchSchedule) {
		s.attempts++
		s.failures++
		s.leaseUntil = 0
		s.next = now.Add(backoff(s.failures, f.spec.backoffBase, f.spec.backoffMax, f.spec.refreshInterval)).UnixNano()
	})
	if !ok {
		s = f.unrecorded("record the failed " + f.spec.what + " fetch")
	}
	f.spec.settled(s, now)
}

// confirmedAt is when the server last vouched for the document in use: its fetch, or a later
// 304 (s.confirmed) while it is still the published version. Zero: no document.
func (f *fetcher[T]) confirmedAt(s fetchSchedule) time.Time {
	if f.version != 0 && s.version == f.version && s.confirmed > f.fetchedAt.UnixNano() {
		return time.Unix(0, s.confirmed)
	}
	return f.fetchedAt
}
