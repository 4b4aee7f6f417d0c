//go:build linux

package envoyhost

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// reservedMemory is address space reserved without access (PROT_NONE, MAP_NORESERVE: it
// costs neither memory nor commit charge) of which the first committed bytes are readable
// and writable. Growing opens more of it; the address never changes, so nothing is copied.
type reservedMemory struct {
	buf       []byte
	committed uint64
}

func reserve(size uint64) experimental.LinearMemory {
	buf, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	return &reservedMemory{buf: buf}
}

func (m *reservedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil // beyond the cap: memory.grow fails, as in Envoy
	}
	if size > m.committed {
		if err := syscall.Mprotect(m.buf[m.committed:size], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
			return nil
		}
		m.committed = size
	}
	return m.buf[:size:size]
}

func (m *reservedMemory) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf, m.committed = nil, 0
	}
}
