package filter

import (
	"strconv"
	"strings"
	"time"
)

// fetchSchedule is the proxy-wide state of one JWKS source, kept in proxy shared data so
// that Envoy's N+1 VMs (every worker and the main thread run their own copy of the plugin:
// docs/host.md#base-vm-canary-and-clones, #threads-and-vms) fetch once per refresh instead of
// N+1 times:
//
//   - next: when the next fetch is due (refresh interval after a success, backoff after a
//     failure, now for an unknown-kid refetch);
//   - leaseUntil/owner: the VM that is fetching and until when its claim holds; a VM takes
//     the lease with a compare-and-swap write, and a lease that outlives the fetch timeout
//     (its VM died) simply expires;
//   - failures: consecutive failures, for the backoff every VM agrees on;
//   - attempts: completed fetch attempts, so that a VM holding requests knows an attempt
//     ended even when it brought no new keys;
//   - keysVersion: bumped whenever new keys are stored, so that a VM reads the (larger) key
//     record only when it changed;
//   - lastKidRefetch: when an unknown kid last forced a refetch (rate limit).
//
// It is stored as a short line of decimal fields, readable in a debugger.
type fetchSchedule struct {
	next           int64 // Unix nanoseconds
	leaseUntil     int64
	owner          uint64
	failures       int64
	attempts       int64
	keysVersion    int64
	lastKidRefetch int64
}

const scheduleFormat = "v1"

func (s fetchSchedule) encode() []byte {
	b := make([]byte, 0, 128)
	b = append(b, scheduleFormat...)
	for _, v := range []int64{s.next, s.leaseUntil, int64(s.owner), s.failures, s.attempts, s.keysVersion, s.lastKidRefetch} {
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
	if len(fields) != 8 || fields[0] != scheduleFormat {
		return fetchSchedule{}
	}
	var v [7]int64
	for i := range v {
		n, err := strconv.ParseInt(fields[i+1], 10, 64)
		if err != nil {
			return fetchSchedule{}
		}
		v[i] = n
	}
	return fetchSchedule{next: v[0], leaseUntil: v[1], owner: uint64(v[2]), failures: v[3], attempts: v[4], keysVersion: v[5], lastKidRefetch: v[6]}
}

// keyRecord is the stored key set: the JWKS document as the IdP served it, already
// validated by the VM that fetched it, with the fetch time.
func encodeKeyRecord(fetchedAt time.Time, jwks []byte) []byte {
	b := strconv.AppendInt(make([]byte, 0, 24+len(jwks)), fetchedAt.UnixNano(), 10)
	b = append(b, '\n')
	return append(b, jwks...)
}

func decodeKeyRecord(b []byte) (fetchedAt time.Time, jwks []byte, ok bool) {
	i := strings.IndexByte(string(b), '\n')
	if i < 0 {
		return time.Time{}, nil, false
	}
	ns, err := strconv.ParseInt(string(b[:i]), 10, 64)
	if err != nil {
		return time.Time{}, nil, false
	}
	return time.Unix(0, ns), b[i+1:], true
}
