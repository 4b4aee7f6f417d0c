package filter

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/internal/abi"
)

// fetchSchedule is the proxy-wide state of one fetched document (fetcher.go), kept in proxy
// shared data so that Envoy's N+1 VMs (every worker and the main thread run their own copy of
// the plugin: docs/host.md#base-vm-canary-and-clones, #threads-and-vms) fetch once per refresh
// instead of N+1 times:
//
//   - next: when the next fetch is due (refresh interval after a success, backoff after a
//     failure, now for an unknown-kid refetch);
//   - leaseUntil/owner: the VM that is fetching and until when its claim holds; a VM takes
//     the lease with a compare-and-swap write, and a lease that outlives the fetch timeout
//     (its VM died) simply expires;
//   - failures: consecutive failures, for the backoff every VM agrees on;
//   - attempts: completed fetch attempts, so that a VM holding requests knows an attempt
//     ended even when it brought no new document;
//   - version: bumped whenever a new document is published, so that a VM reads the (larger)
//     record only when it changed;
//   - lastKidRefetch: when an unknown kid last forced a refetch (rate limit);
//   - confirmed: when the IdP last confirmed the published document (200 or 304).
//
// It is stored as a short line of decimal fields, readable in a debugger.
type fetchSchedule struct {
	next           int64 // Unix nanoseconds
	leaseUntil     int64
	owner          uint64
	failures       int64
	attempts       int64
	version        int64
	lastKidRefetch int64
	confirmed      int64
}

const scheduleFormat = "v2"

func (s fetchSchedule) encode() []byte {
	b := make([]byte, 0, 160)
	b = append(b, scheduleFormat...)
	for _, v := range []int64{s.next, s.leaseUntil, int64(s.owner), s.failures, s.attempts, s.version, s.lastKidRefetch, s.confirmed} {
		b = append(b, ' ')
		b = strconv.AppendInt(b, v, 10)
	}
	return b
}

// decodeSchedule parses a stored schedule. Anything unreadable (another version of the
// plugin wrote it, or it is corrupt) reads as a fresh schedule: the worst outcome is one
// extra fetch, never a stuck lease.
func decodeSchedule(b []byte) fetchSchedule {
	fields := strings.Fields(string(b))
	if len(fields) != 9 || fields[0] != scheduleFormat {
		return fetchSchedule{}
	}
	var v [8]int64
	for i := range v {
		n, err := strconv.ParseInt(fields[i+1], 10, 64)
		if err != nil {
			return fetchSchedule{}
		}
		v[i] = n
	}
	return fetchSchedule{next: v[0], leaseUntil: v[1], owner: uint64(v[2]), failures: v[3], attempts: v[4], version: v[5], lastKidRefetch: v[6], confirmed: v[7]}
}

// createOnlyCAS makes a shared-data write succeed only if the key does not exist yet.
const createOnlyCAS = 1<<32 - 1

// schedule returns the stored schedule (the zero schedule when there is none).
func (f *fetcher[T]) schedule() fetchSchedule {
	s, _, _ := f.readSchedule()
	return s
}

// readSchedule returns the stored schedule, its CAS (0 when absent) and whether it exists.
func (f *fetcher[T]) readSchedule() (fetchSchedule, uint32, bool) {
	if f.idle() {
		return fetchSchedule{}, 0, false
	}
	b, cas, err := abi.GetSharedData(f.scheduleKey)
	if err != nil {
		return fetchSchedule{}, 0, false
	}
	return decodeSchedule(b), cas, true
}

// updateSchedule applies change to the stored schedule with compare-and-swap, retrying a few
// times against concurrent writers from other VMs.
func (f *fetcher[T]) updateSchedule(change func(*fetchSchedule)) (fetchSchedule, bool) {
	for i := 0; i < 4; i++ {
		s, cas, _ := f.readSchedule()
		f.at(interleaveScheduleRead)
		change(&s)
		if err := abi.SetSharedData(f.scheduleKey, s.encode(), cas); err == nil {
			return s, true
		}
	}
	return fetchSchedule{}, false
}

// backoff is the wait after the given number of consecutive failures: base doubled per
// further failure, capped at max and at the refresh interval (a failing IdP is never asked
// less often than a healthy one), then "equal jitter": a uniform draw between half and all of
// the capped delay, so VMs of many proxies that failed together spread out, and the wait never
// exceeds the cap.
func backoff(failures int64, base, max, refresh time.Duration) time.Duration {
	d := base
	for i := int64(1); i < failures && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	if refresh > 0 {
		d = min(d, refresh)
	}
	half := int64(d / 2)
	return time.Duration(half + rand.Int64N(half+1))
}
