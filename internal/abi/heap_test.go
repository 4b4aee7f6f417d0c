package abi

import (
	"runtime"
	"testing"
)

// TestHeapLiveBytesFollowsTheHeap: after a collection the figure counts a live 16 MiB
// allocation, and drops again once it is garbage.
func TestHeapLiveBytesFollowsTheHeap(t *testing.T) {
	const size = 16 << 20
	runtime.GC()
	before, ok := HeapLiveBytes()
	if !ok {
		t.Fatal("the runtime has no /gc/heap/live:bytes")
	}
	held := make([]byte, size)
	held[size-1] = 1
	runtime.GC()
	with, _ := HeapLiveBytes()
	runtime.KeepAlive(held)
	held = nil
	runtime.GC()
	after, _ := HeapLiveBytes()
	if with < before+size {
		t.Errorf("with 16 MiB live: %d bytes, want at least %d + %d", with, before, size)
	}
	if after > with-size/2 {
		t.Errorf("after freeing 16 MiB: %d bytes, want well below %d", after, with)
	}
}
