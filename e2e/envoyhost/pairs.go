// Package envoyhost is a proxy-wasm host on wazero that behaves like Envoy where it matters
// for a plugin: the lifecycle (a base VM, the configuration canary, one VM per worker plus the
// main thread, context ids per VM), hostcall semantics and status codes, deferred continue and
// local replies, http calls with Envoy's synthesized failures, process-wide shared data and
// metrics, ticks, WASI as proxy-wasm-cpp-host implements it before and after cpp-host #533
// (Profile), and the restricted hostcall lists during _initialize and allocation.
//
// Restricted mode is enforced only by cpp-host's V8 integration (src/v8/v8.cc); Envoy builds
// on WAMR, Wasmtime or WasmEdge refuse nothing. This host always enforces it, as V8 is Envoy's
// default engine and Istio's only one. Each rule links to the section of docs/host.md it
// follows; that page's "What the local host does differently" lists where this host knowingly
// departs from Envoy.
//
// In the e2e module this is a tool users run; e2e/doc.go gives the layout.
package envoyhost

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Limits of cpp-host's pairs parsing (include/proxy-wasm/limits.h).
const (
	maxPairsBytes = 1 << 20
	maxPairs      = 1024
)

var errPairs = errors.New("malformed pairs buffer")

// EncodePairs writes the proxy-wasm "pairs" format (docs/host.md#wire-formats).
func EncodePairs(pairs [][2]string) []byte { return AppendPairs(nil, pairs) }

// AppendPairs appends pairs' encoding to dst, growing it once: a VM reuses one buffer for
// every proxy_get_header_map_pairs, since Envoy writes the pairs straight into the VM's
// memory and allocates nothing a collector would reclaim.
func AppendPairs(dst []byte, pairs [][2]string) []byte {
	n := 4 + 8*len(pairs)
	for _, p := range pairs {
		n += len(p[0]) + len(p[1]) + 2
	}
	out := slices.Grow(dst, n)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(pairs)))
	for _, p := range pairs {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(p[0])))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(p[1])))
	}
	for _, p := range pairs {
		out = append(append(out, p[0]...), 0)
		out = append(append(out, p[1]...), 0)
	}
	return out
}

// DecodePairs parses a pairs buffer with cpp-host's toPairs rules: over 1 MiB, over 1024
// pairs, an overrun, a terminator that is not NUL, or trailing bytes → error (which
// callers treat as an empty list, as Envoy does). 0 bytes, a lone NUL and a zero count are
// all the empty map.
func DecodePairs(b []byte) ([][2]string, error) {
	if len(b) == 0 || (len(b) == 1 && b[0] == 0) {
		return nil, nil
	}
	if len(b) > maxPairsBytes || len(b) < 4 {
		return nil, errPairs
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	if n > maxPairs || uint64(len(b)) < 4+8*n {
		return nil, errPairs
	}
	data := b[4+8*n:]
	out := make([][2]string, n)
	for i := uint64(0); i < n; i++ {
		for j := uint64(0); j < 2; j++ {
			l := uint64(binary.LittleEndian.Uint32(b[4+8*i+4*j:]))
			if l+1 > uint64(len(data)) || data[l] != 0 {
				return nil, errPairs
			}
			out[i][j] = string(data[:l])
			data = data[l+1:]
		}
	}
	if len(data) != 0 {
		return nil, errPairs
	}
	return out, nil
}
