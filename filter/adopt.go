package filter

// Adoption: a VM that did not fetch a document takes the one another VM published (the VMs
// of one Envoy share no memory, only shared data). It happens on the VM's tick and, on
// demand, on the request path (adoptShared), so that a worker whose tick has not come yet
// does not hold or refuse requests for a document the proxy already has.
//
// The package-internal API: fetcher.adopt(schedule) and fetcher.adoptShared().

import "github.com/jwtguard/jwtguard/internal/abi"

// adopt installs the published document when the schedule says it changed, and only the
// record of the version the schedule names (issue 15, defect 2): a record of another version
// is one being published (newer: the schedule does not say so yet) and is left for the next
// tick or request. A publisher that died between its two steps leaves a newer record the
// schedule never names; the next publication replaces it.
func (f *fetcher[T]) adopt(s fetchSchedule) {
	if f.idle() || s.version == 0 || s.version == f.version {
		return
	}
	rec, ok := f.readRecord()
	if !ok {
		f.version = s.version // unreadable: do not retry it on every tick
		return
	}
	if rec.version != s.version {
		return
	}
	doc, err := f.spec.parse(rec.body, false)
	if err != nil {
		abi.LogError("jwtguard: " + f.spec.owner + ": the shared " + f.spec.what + " does not parse: " + err.Error())
		f.version = s.version
		return
	}
	f.spec.install(doc)
	f.version, f.fetchedAt = s.version, rec.fetchedAt
}

// adoptShared adopts a document another VM published since this VM last looked, and reports
// whether the document in use changed.
func (f *fetcher[T]) adoptShared() bool {
	before := f.version
	f.adopt(f.schedule())
	return f.version != before
}
