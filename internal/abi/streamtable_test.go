package abi

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// checkTable compares t with the oracle, a Go map, in both directions, and checks the
// table's invariant: every entry is reachable from its home slot without crossing an empty
// slot (what get relies on, and what del's shifting must keep).
func checkTable(t *testing.T, tab *streamTable, want map[uint32]*streamContext) {
	t.Helper()
	if tab.len() != len(want) {
		t.Fatalf("len = %d, want %d", tab.len(), len(want))
	}
	for id, s := range want {
		if got, ok := tab.get(id); !ok || got != s {
			t.Fatalf("get(%d) = %p, %v; want %p", id, got, ok, s)
		}
	}
	m := tab.mask()
	for i, sl := range tab.slots {
		if sl.s == nil {
			continue
		}
		if want[sl.id] != sl.s {
			t.Fatalf("slot %d holds id %d, which the oracle does not map there", i, sl.id)
		}
		for j := tab.home(sl.id); j != uint32(i); j = (j + 1) & m {
			if tab.slots[j].s == nil {
				t.Fatalf("id %d in slot %d is cut off from its home %d by the empty slot %d", sl.id, i, tab.home(sl.id), j)
			}
		}
	}
}

// applyOps runs ops on a table and on the oracle: each op is 5 bytes, a kind (get, put,
// del) and an id, which draws from few values so that the ops meet the same ids.
func applyOps(t *testing.T, ops []byte, idOf func(uint32) uint32) {
	var tab streamTable
	want := map[uint32]*streamContext{}
	for ; len(ops) >= 5; ops = ops[5:] {
		id := idOf(binary.LittleEndian.Uint32(ops[1:]))
		switch ops[0] % 3 {
		case 0:
			got, ok := tab.get(id)
			if w, wok := want[id]; ok != wok || got != w {
				t.Fatalf("get(%d) = %p, %v; want %p, %v", id, got, ok, w, wok)
			}
		case 1:
			s := &streamContext{root: id}
			tab.put(id, s)
			want[id] = s
		case 2:
			tab.del(id)
			delete(want, id)
		}
		checkTable(t, &tab, want)
	}
}

func TestStreamTableMatchesMap(t *testing.T) {
	tests := []struct {
		name string
		ops  int
		idOf func(uint32) uint32
	}{
		{"few ids, every slot contended", 20000, func(x uint32) uint32 { return x % 37 }},
		{"ids differing only in their top four bits", 20000, func(x uint32) uint32 { return (x % 16) << 28 }},
		{"ids 0 and the largest", 5000, func(x uint32) uint32 { return -(x % 2) & 0xFFFFFFFF }},
		{"wide ids, growth to hundreds", 20000, func(x uint32) uint32 { return x % 1000 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.ops), 9))
			ops := make([]byte, 5*tc.ops)
			for i := range ops {
				ops[i] = byte(rng.Uint32())
			}
			applyOps(t, ops, tc.idOf)
		})
	}
}

// Envoy's pattern: consecutive ids, each stream deleted after the next ones were created,
// a window of live streams sliding for longer than the table's size.
func TestStreamTableSlidingWindow(t *testing.T) {
	for _, live := range []int{1, 3, 100} {
		var tab streamTable
		want := map[uint32]*streamContext{}
		for id := uint32(2); id < 5000; id++ {
			s := &streamContext{}
			tab.put(id, s)
			want[id] = s
			if old := id - uint32(live); old >= 2 {
				tab.del(old)
				delete(want, old)
			}
			checkTable(t, &tab, want)
		}
		if len(tab.slots) > 4*max(live, streamTableMinSlots) {
			t.Errorf("%d live streams: the table grew to %d slots", live, len(tab.slots))
		}
	}
}

// A stream's create, lookup and delete allocate nothing once the table has its size.
func TestStreamTableAllocatesNothing(t *testing.T) {
	var tab streamTable
	s := &streamContext{}
	tab.put(1, s)
	id := uint32(2)
	if allocs := testing.AllocsPerRun(1000, func() {
		tab.put(id, s)
		tab.get(id)
		tab.del(id)
		id++
	}); allocs != 0 {
		t.Fatalf("%v allocations per stream", allocs)
	}
}

func FuzzStreamTable(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0, 0, 1, 9, 0, 0, 0, 2, 1, 0, 0, 0, 0, 9, 0, 0, 0})
	f.Add([]byte{1, 0, 0, 0, 16, 1, 0, 0, 0, 32, 2, 0, 0, 0, 16, 0, 0, 0, 0, 32})
	f.Fuzz(func(t *testing.T, ops []byte) {
		applyOps(t, ops, func(x uint32) uint32 { return x })
	})
}
