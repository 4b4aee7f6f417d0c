package abi

import (
	"encoding/binary"
	"errors"
	"strings"
	"unsafe"
)

// errMalformedPairs reports a header-pairs buffer that does not follow the proxy-wasm
// serialization; the host wrote it, so this means a host bug, not bad client input.
var errMalformedPairs = errors.New("abi: malformed header pairs buffer from host")

// maxPairs mirrors proxy-wasm-cpp-host's limit (include/proxy-wasm/limits.h): a host never
// hands us more, and refusing more keeps a corrupt count from allocating a huge slice.
const maxPairs = 1024

// SerializePairs encodes a header map in the proxy-wasm "pairs" format (docs/host.md#wire-formats):
// u32 count, then count × (u32 key length, u32 value length), then each key and value
// followed by a NUL byte. All integers are little-endian. An empty map encodes as a
// 4-byte zero count, which every host parses as empty.
func SerializePairs(pairs [][2]string) []byte {
	size := 4
	for _, p := range pairs {
		size += 8 + len(p[0]) + 1 + len(p[1]) + 1
	}
	buf := make([]byte, size)
	binary.LittleEndian.PutUint32(buf, uint32(len(pairs)))
	sizes := buf[4:]
	data := buf[4+8*len(pairs):]
	for i, p := range pairs {
		binary.LittleEndian.PutUint32(sizes[8*i:], uint32(len(p[0])))
		binary.LittleEndian.PutUint32(sizes[8*i+4:], uint32(len(p[1])))
		n := copy(data, p[0])
		data[n] = 0
		data = data[n+1:]
		n = copy(data, p[1])
		data[n] = 0
		data = data[n+1:]
	}
	return buf
}

// DeserializePairs decodes a "pairs" buffer. An empty buffer is an empty map. Every length
// is checked against the buffer before it is used, so a corrupt buffer yields an error,
// never a panic; the rules are those of cpp-host's toPairs (count ≤ 1024, terminators are
// NUL, no trailing bytes). The strings are copies.
func DeserializePairs(buf []byte) ([][2]string, error) { return deserializePairs(buf, false) }

// DeserializePairsShared is DeserializePairs whose strings share buf's memory instead of
// copying it: 2 allocations per header map instead of 2 per header (issue 19: the request
// path reads every request's headers). buf must never be written again, and a string kept
// beyond the request keeps all of buf alive (the token cache clones its keys for that
// reason). The wasm binding uses it for the buffers the host fills, which nothing else sees.
func DeserializePairsShared(buf []byte) ([][2]string, error) { return deserializePairs(buf, true) }

// DeserializePairsSharedInto is DeserializePairsShared that reuses dst's array when it is
// large enough, so that a caller that keeps dst from one call to the next allocates nothing.
// The result overwrites dst's elements.
func DeserializePairsSharedInto(dst [][2]string, buf []byte) ([][2]string, error) {
	return deserializePairsInto(dst, buf, true)
}

func deserializePairs(buf []byte, shared bool) ([][2]string, error) {
	return deserializePairsInto(nil, buf, shared)
}

func deserializePairsInto(dst [][2]string, buf []byte, shared bool) ([][2]string, error) {
	if len(buf) == 0 {
		return nil, nil
	}
	if len(buf) < 4 {
		return nil, errMalformedPairs
	}
	n := binary.LittleEndian.Uint32(buf)
	if n > maxPairs || uint64(len(buf)-4) < 8*uint64(n) {
		return nil, errMalformedPairs
	}
	sizes := buf[4 : 4+8*n]
	data := buf[4+8*n:]
	var pairs [][2]string
	if uint32(cap(dst)) >= n {
		pairs = dst[:n]
	} else {
		pairs = make([][2]string, n)
	}
	for i := range pairs {
		for j := 0; j < 2; j++ {
			l := uint64(binary.LittleEndian.Uint32(sizes[8*i+4*j:]))
			if l+1 > uint64(len(data)) || data[l] != 0 {
				return nil, errMalformedPairs
			}
			if shared {
				pairs[i][j] = unsafe.String(unsafe.SliceData(data), l)
			} else {
				pairs[i][j] = string(data[:l])
			}
			data = data[l+1:]
		}
	}
	if len(data) != 0 {
		return nil, errMalformedPairs
	}
	return pairs, nil
}

// SerializePropertyPath joins property path segments with a single NUL and no trailing NUL,
// which is what Envoy's get_property splits on (docs/host.md#wire-formats), e.g. {"request","path"} →
// "request\x00path".
func SerializePropertyPath(path []string) []byte {
	return []byte(strings.Join(path, "\x00"))
}
