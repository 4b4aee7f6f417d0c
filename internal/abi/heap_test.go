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

// TestRegressionHeapGaugeZeroBeforeFirstCollection: a VM that had not collected yet reported
// 0 (the runtime's live figure before any collection), and TestSoakShort's 20 000 requests
// no longer brought a collection once a new token stopped allocating a Token. Before the
// first collection the heap's objects stand in; after it, the live figure, even if smaller.
func TestRegressionHeapGaugeZeroBeforeFirstCollection(t *testing.T) {
	cases := []struct {
		name                  string
		live, cycles, objects uint64
		want                  uint64
	}{
		{"no collection yet", 0, 0, 3 << 20, 3 << 20},
		{"after one", 1 << 20, 1, 3 << 20, 1 << 20},
		{"after many, live larger than objects now", 5 << 20, 40, 4 << 20, 5 << 20},
	}
	for _, c := range cases {
		if got := heapFigure(c.live, c.cycles, c.objects); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if _, ok := HeapLiveBytes(); !ok {
		t.Fatal("the runtime lacks one of the three metrics")
	}
}
