package filter

import (
	"strconv"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/internal/abi"
)

// docRecord is a fetched document as one VM publishes it to the others in shared data: the
// body as the server sent it (already validated by the VM that fetched it; each VM parses it
// again to build its own state, since VMs share no memory) or, for a spec with shared, what
// that returned (a revocation list's built index), when it was fetched, and its ETag for the
// next conditional fetch.
//
// The package-internal API: encodeRecord/decodeRecord and fetcher.readRecord; a fetcher
// writes records (fetcher.go) and adopts them (adopt.go).
type docRecord struct {
	version   int64
	fetchedAt time.Time
	etag      string // "" when the server sent none (or one that cannot be sent back)
	body      []byte
}

// recordFormat starts a record: "r1 <version> <fetchedAt ns> <etag>\n<body>", the ETag
// field being "-" when there is none (an entity-tag is quoted, so it is never "-").
const recordFormat = "r1"

func encodeRecord(r docRecord) []byte {
	b := make([]byte, 0, 64+len(r.etag)+len(r.body))
	b = append(b, recordFormat...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, r.version, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, r.fetchedAt.UnixNano(), 10)
	b = append(b, ' ')
	if r.etag == "" {
		b = append(b, '-')
	} else {
		b = append(b, r.etag...)
	}
	b = append(b, '\n')
	return append(b, r.body...)
}

// decodeRecord parses a stored record; ok is false for anything unreadable (another version
// of the plugin wrote it, or it is corrupt). body is a view of b.
func decodeRecord(b []byte) (r docRecord, ok bool) {
	nl := strings.IndexByte(string(b), '\n')
	if nl < 0 {
		return docRecord{}, false
	}
	fields := strings.Split(string(b[:nl]), " ")
	if len(fields) != 4 || fields[0] != recordFormat {
		return docRecord{}, false
	}
	version, err1 := strconv.ParseInt(fields[1], 10, 64)
	ns, err2 := strconv.ParseInt(fields[2], 10, 64)
	if err1 != nil || err2 != nil || version <= 0 {
		return docRecord{}, false
	}
	if fields[3] != "-" {
		r.etag = validETag(fields[3])
	}
	r.version, r.fetchedAt, r.body = version, time.Unix(0, ns), b[nl+1:]
	return r, true
}

// readRecord reads the published record of f's document.
func (f *fetcher[T]) readRecord() (docRecord, bool) {
	b, _, err := abi.GetSharedData(f.recordKey)
	if err != nil {
		return docRecord{}, false
	}
	return decodeRecord(b)
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

// validETag returns etag if it can be stored and sent back as If-None-Match: an entity-tag
// (RFC 9110 §8.8.3) is short visible ASCII; anything else is ignored (no conditional fetch).
func validETag(etag string) string {
	if etag == "" || len(etag) > 256 {
		return ""
	}
	for i := 0; i < len(etag); i++ {
		if c := etag[i]; c < 0x21 || c > 0x7e {
			return ""
		}
	}
	if !strings.HasSuffix(etag, `"`) {
		return ""
	}
	return etag
}
