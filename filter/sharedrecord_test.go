package filter

import (
	"bytes"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	for _, tc := range []docRecord{
		{version: 1, fetchedAt: time.Unix(1_800_000_000, 5), etag: `"abc"`, body: []byte(`{"keys":[]}`)},
		{version: 42, fetchedAt: time.Unix(1_800_000_000, 0), etag: `W/"x-1"`, body: []byte("line1\nline2")},
		{version: 7, fetchedAt: time.Unix(0, 0), body: nil},
	} {
		got, ok := decodeRecord(encodeRecord(tc))
		if !ok || got.version != tc.version || !got.fetchedAt.Equal(tc.fetchedAt) || got.etag != tc.etag || !bytes.Equal(got.body, tc.body) {
			t.Errorf("round trip of %+v gave %+v (ok %v)", tc, got, ok)
		}
	}
}

func TestRecordUnreadable(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no header line", `{"keys":[]}`},
		{"old format", "1800000000000000000\n{}"},
		{"other version", "r9 1 1 -\n{}"},
		{"version zero", "r1 0 1 -\n{}"},
		{"version not a number", "r1 x 1 -\n{}"},
		{"time not a number", "r1 1 t -\n{}"},
		{"missing field", "r1 1 1\n{}"},
		{"extra field", "r1 1 1 - x\n{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r, ok := decodeRecord([]byte(tc.in)); ok {
				t.Fatalf("decoded %q as %+v", tc.in, r)
			}
		})
	}
}

func TestRecordDropsAnETagThatCannotBeSentBack(t *testing.T) {
	if r, ok := decodeRecord([]byte("r1 1 1 unquoted\n{}")); !ok || r.etag != "" {
		t.Fatalf("got %+v %v, want the record without its ETag", r, ok)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(docRecord{version: 3, fetchedAt: time.Unix(1, 2), etag: `"e"`, body: []byte("{}")}))
	f.Add([]byte("r1 1 1 -\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, ok := decodeRecord(b)
		if !ok {
			return
		}
		again, ok := decodeRecord(encodeRecord(r))
		if !ok || again.version != r.version || again.etag != r.etag || !bytes.Equal(again.body, r.body) {
			t.Fatalf("%q decodes to %+v, which does not round-trip (%+v)", b, r, again)
		}
	})
}
