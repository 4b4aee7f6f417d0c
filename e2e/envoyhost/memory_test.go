package envoyhost

import (
	"bytes"
	"context"
	"testing"
	"unsafe"

	"github.com/tetratelabs/wazero"
)

// A module with one exported memory of one page and no maximum, as Go's are.
var memoryModule = []byte("\x00asm\x01\x00\x00\x00" + "\x05\x03\x01\x00\x01" + "\x07\x0a\x01\x06memory\x02\x00")

// TestLinearMemoryGrowsInPlaceUpTo1GiB: growing keeps the memory where it is and what it
// holds (no copy, as with V8), and the memory stops at cpp-host's 1 GiB.
func TestLinearMemoryGrowsInPlaceUpTo1GiB(t *testing.T) {
	ctx := context.Background()
	rt := NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.InstantiateWithConfig(WithReservedMemory(ctx), memoryModule, wazero.NewModuleConfig())
	if err != nil {
		t.Fatal(err)
	}
	mem := mod.Memory()
	mem.Write(100, []byte("kept"))
	before, _ := mem.Read(0, 1)
	for _, tc := range []struct {
		name  string
		delta uint32
		ok    bool
		pages uint32
	}{
		{"to 2 pages", 1, true, 2},
		{"to 64 MiB", 1022, true, 1024},
		{"to exactly 1 GiB", maxWasmMemoryPages - 1024, true, maxWasmMemoryPages},
		{"one page beyond 1 GiB", 1, false, maxWasmMemoryPages},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := mem.Grow(tc.delta); ok != tc.ok {
				t.Fatalf("Grow(%d) = %v, want %v", tc.delta, ok, tc.ok)
			}
			if got := mem.Size() / 65536; got != tc.pages {
				t.Fatalf("%d pages, want %d", got, tc.pages)
			}
			after, _ := mem.Read(0, 1)
			if unsafe.SliceData(after) != unsafe.SliceData(before) {
				t.Fatal("the memory moved when it grew")
			}
			if got, _ := mem.Read(100, 4); !bytes.Equal(got, []byte("kept")) {
				t.Fatalf("contents after growth: %q", got)
			}
			if !mem.WriteByte(mem.Size()-1, 7) {
				t.Fatal("the last byte is not writable")
			}
		})
	}
}

func TestSliceMemoryKeepsContentsWhenItGrows(t *testing.T) {
	m := &sliceMemory{}
	b := m.Reallocate(65536)
	copy(b[10:], "kept")
	for _, size := range []uint64{65536, 2 * 65536, 10 * 65536} {
		b = m.Reallocate(size)
		if uint64(len(b)) != size || string(b[10:14]) != "kept" {
			t.Fatalf("after Reallocate(%d): len %d, contents %q", size, len(b), b[10:14])
		}
	}
}
