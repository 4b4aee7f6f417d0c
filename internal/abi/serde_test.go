package abi

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestSerializePairsMatchesSpecExample(t *testing.T) {
	// docs/host.md#wire-formats: {"a":"1","b":"22"}
	want := []byte{
		2, 0, 0, 0,
		1, 0, 0, 0, 1, 0, 0, 0,
		1, 0, 0, 0, 2, 0, 0, 0,
		'a', 0, '1', 0,
		'b', 0, '2', '2', 0,
	}
	got := SerializePairs([][2]string{{"a", "1"}, {"b", "22"}})
	if !bytes.Equal(got, want) {
		t.Fatalf("SerializePairs = % x, want % x", got, want)
	}
}

func TestPairsRoundTrip(t *testing.T) {
	large := make([][2]string, maxPairs)
	for i := range large {
		large[i] = [2]string{"x-header-" + strconv.Itoa(i), strings.Repeat("v", i%97)}
	}
	tests := []struct {
		name  string
		pairs [][2]string
	}{
		{"empty map", [][2]string{}},
		{"empty key and value", [][2]string{{"", ""}}},
		{"empty values", [][2]string{{"a", ""}, {"b", ""}}},
		{"pseudo headers", [][2]string{{":method", "GET"}, {":path", "/a?b=c"}, {":authority", "h"}}},
		{"non-ASCII and NUL bytes in values", [][2]string{{"x-utf8", "żółć ✓"}, {"x-bin", "\x00\xff\x01"}}},
		{"repeated keys keep order", [][2]string{{"set-cookie", "a"}, {"set-cookie", "b"}}},
		{"large map at the host limit", large},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := SerializePairs(tc.pairs)
			got, err := DeserializePairs(buf)
			if err != nil {
				t.Fatalf("DeserializePairs: %v", err)
			}
			if len(tc.pairs) == 0 {
				if len(got) != 0 {
					t.Fatalf("got %d pairs, want none", len(got))
				}
				return
			}
			if !reflect.DeepEqual(got, tc.pairs) {
				t.Fatalf("round trip = %q, want %q", got, tc.pairs)
			}
		})
	}
}

func TestDeserializePairsRefusesMalformedBuffers(t *testing.T) {
	valid := SerializePairs([][2]string{{"k", "v"}})
	count := func(n uint32) []byte {
		b := append([]byte(nil), valid...)
		binary.LittleEndian.PutUint32(b, n)
		return b
	}
	tests := []struct {
		name string
		buf  []byte
	}{
		{"shorter than the count", []byte{1, 0}},
		{"count larger than the sizes table", count(2)},
		{"count over the host limit", count(maxPairs + 1)},
		{"count near 2^32", count(0xffffffff)},
		{"key length overruns", func() []byte {
			b := append([]byte(nil), valid...)
			binary.LittleEndian.PutUint32(b[4:], 100)
			return b
		}()},
		{"value length near 2^32", func() []byte {
			b := append([]byte(nil), valid...)
			binary.LittleEndian.PutUint32(b[8:], 0xffffffff)
			return b
		}()},
		{"terminator is not NUL", func() []byte {
			b := append([]byte(nil), valid...)
			b[13] = 'x'
			return b
		}()},
		{"trailing bytes", append(append([]byte(nil), valid...), 0)},
		{"truncated data", valid[:len(valid)-1]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := DeserializePairs(tc.buf); err == nil {
				t.Fatalf("DeserializePairs accepted a malformed buffer: %q", got)
			}
		})
	}
}

func TestDeserializePairsEmptyBufferIsEmptyMap(t *testing.T) {
	got, err := DeserializePairs(nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("DeserializePairs(nil) = %q, %v; want empty, nil", got, err)
	}
}

func TestSerializePropertyPath(t *testing.T) {
	tests := []struct {
		name string
		path []string
		want string
	}{
		{"two segments", []string{"request", "path"}, "request\x00path"},
		{"one segment", []string{"plugin_name"}, "plugin_name"},
		{"header with dashes", []string{"request", "headers", "x-request-id"}, "request\x00headers\x00x-request-id"},
		{"empty", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(SerializePropertyPath(tc.path)); got != tc.want {
				t.Fatalf("SerializePropertyPath(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

func FuzzDeserializePairs(f *testing.F) {
	f.Add(SerializePairs([][2]string{{"a", "1"}, {"b", "22"}}))
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, buf []byte) {
		pairs, err := DeserializePairs(buf)
		// The shared form decodes exactly the same (issue 19), without copying.
		shared, sharedErr := DeserializePairsShared(append([]byte(nil), buf...))
		if (err == nil) != (sharedErr == nil) || !reflect.DeepEqual(pairs, shared) {
			t.Fatalf("DeserializePairsShared differs: %q %v, copying form %q %v", shared, sharedErr, pairs, err)
		}
		if err != nil {
			return
		}
		// Whatever parses must re-serialize to the same bytes (or be the empty map).
		if len(pairs) > 0 && !bytes.Equal(SerializePairs(pairs), buf) {
			t.Fatalf("round trip changed the buffer")
		}
	})
}
