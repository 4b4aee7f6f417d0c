package envoyhost

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

func TestPairsRoundTripAndRefusals(t *testing.T) {
	many := make([][2]string, 1025)
	for i := range many {
		many[i] = [2]string{"k", "v"}
	}
	valid := EncodePairs([][2]string{{"a", "1"}, {"b", "22"}})
	withCount := func(n uint32) []byte {
		b := append([]byte(nil), valid...)
		binary.LittleEndian.PutUint32(b, n)
		return b
	}
	tests := []struct {
		name string
		buf  []byte
		want [][2]string
		err  bool
	}{
		{"spec example", []byte{2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 'a', 0, '1', 0, 'b', 0, '2', '2', 0}, [][2]string{{"a", "1"}, {"b", "22"}}, false},
		{"empty buffer", nil, nil, false},
		{"lone NUL (spec's empty map)", []byte{0}, nil, false},
		{"zero count (the Go SDK's empty map)", []byte{0, 0, 0, 0}, [][2]string{}, false},
		{"empty values and non-ASCII", EncodePairs([][2]string{{"x", ""}, {"ü", "✓"}}), [][2]string{{"x", ""}, {"ü", "✓"}}, false},
		{"over 1024 pairs", EncodePairs(many), nil, true},
		{"count beyond the sizes", withCount(3), nil, true},
		{"truncated", valid[:len(valid)-1], nil, true},
		{"trailing byte", append(append([]byte(nil), valid...), 0), nil, true},
		{"terminator not NUL", []byte(strings.Replace(string(valid), "a\x00", "ab", 1)), nil, true},
		{"over 1 MiB", append(EncodePairs([][2]string{{"k", strings.Repeat("v", 1<<20)}}), 0), nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodePairs(tc.buf)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if !tc.err && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// AppendPairs reusing a buffer encodes exactly as EncodePairs, whatever the buffer held.
func TestAppendPairsReusesBuffer(t *testing.T) {
	buf := []byte("left over from a longer map, which must not show through")
	for _, pairs := range [][][2]string{
		{{":path", "/orders"}, {"authorization", "Bearer a.b.c"}},
		{{"a", ""}},
		nil,
	} {
		buf = AppendPairs(buf[:0], pairs)
		if want := EncodePairs(pairs); !bytes.Equal(buf, want) {
			t.Fatalf("AppendPairs(%q) = % x, want % x", pairs, buf, want)
		}
	}
}
