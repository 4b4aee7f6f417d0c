package envoyhost

import (
	"context"

	"github.com/tetratelabs/wazero/experimental"
)

// maxWasmMemoryPages is cpp-host's cap on a VM's linear memory, 1 GiB (docs/host.md#memory-ownership,
// PROXY_WASM_HOST_MAX_WASM_MEMORY_SIZE_BYTES): a guest that grows beyond it gets -1 from
// memory.grow, which the Go runtime turns into a fatal "out of memory", a trap.
const maxWasmMemoryPages = 1 << 30 / 65536

// WithReservedMemory makes the VMs instantiated with ctx keep their linear memory where V8
// keeps it in Envoy: in an address range reserved once for the largest size the memory may
// reach, grown in place. wazero's default backing is a Go slice that is reallocated and
// copied when it outgrows its capacity, so a growing VM paid for a copy of all its memory
// at every step — a cost Envoy does not have, which showed in the cold-token benchmarks
// (with GOGC=off, a VM was slower than with the collector on).
func WithReservedMemory(ctx context.Context) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(newLinearMemory))
}

func newLinearMemory(_, max uint64) experimental.LinearMemory {
	if m := reserve(min(max, maxWasmMemoryPages*65536)); m != nil {
		return m
	}
	return &sliceMemory{}
}

// sliceMemory is the fallback where address space cannot be reserved: a Go slice that grows
// by doubling, as wazero's own backing does.
type sliceMemory struct{ buf []byte }

func (m *sliceMemory) Reallocate(size uint64) []byte {
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	grown := make([]byte, size, max(size, 2*uint64(cap(m.buf))))
	copy(grown, m.buf)
	m.buf = grown
	return m.buf
}

func (m *sliceMemory) Free() { m.buf = nil }
