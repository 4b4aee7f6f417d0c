package jwtverify

import (
	"math/bits"
	"math/rand/v2"
)

// The index of a revocation list: two flat open-addressing hash tables (linear probing) of
// fixed-size slots in one []uint64 each, keyed by a 128-bit hash of the jti or sub under a
// seed drawn per list (issue 20).
//
// Why this shape rather than Go maps:
//   - it holds no pointers and is two allocations, so the guest's garbage collector marks it
//     in O(1) and never scans it; and it is about half the bytes of a map of the same keys,
//     which matters in wasm because the collector lets the heap grow in proportion to the
//     live heap before the next cycle, so a smaller live heap keeps the memory a request's
//     garbage walks through smaller (docs/revocation.md, "Cached tokens");
//   - it is its own serialization: the VM that fetched a list publishes the tables' words
//     (EncodeIndex) and the other VMs of the proxy adopt them (DecodeIndex) by copying and
//     checking them, instead of parsing the JSON document again (docs/revocation.md,
//     "Polling at mesh scale"). The hash depends only on the seed in the list, never on
//     per-process state, so every VM finds the same slots.
//
// Two identifiers share a 128-bit key with probability about n²/2^129: never, in practice;
// and neither the list's identifiers (the publisher's) nor a verified token's (signed by the
// IdP) can be chosen by a client, so the seed needs no secrecy beyond varying per list.

const (
	jtiSlotWords = 3 // h1, h2, expires
	subSlotWords = 4 // h1, h2, iatBefore, expires
)

// idHash is the 128-bit key of a jti or sub. h1 is never 0: a slot whose h1 is 0 is empty.
type idHash struct{ h1, h2 uint64 }

func hashID(seed [2]uint64, id string) idHash {
	h := idHash{hashString(seed[0], id), hashString(seed[1], id)}
	if h.h1 == 0 {
		h.h1 = 1
	}
	return h
}

// Odd constants of the mixing function: the fractional parts of the golden ratio, √2 and √3
// (nothing-up-my-sleeve numbers).
const (
	mixK0 = 0x9e3779b97f4a7c15
	mixK1 = 0x6a09e667f3bcc909
	mixK2 = 0xbb67ae8584caa73b
)

// mix folds the 128-bit product of a and b (multiply-fold mixing).
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func le64[S ~string | ~[]byte](s S) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hashString is a seeded 64-bit hash of s that depends on nothing but seed and s (a string
// or, for the checksum of an encoding, bytes: same function, no copy).
func hashString[S ~string | ~[]byte](seed uint64, s S) uint64 {
	h := mix(seed^mixK0, uint64(len(s))^mixK1)
	for len(s) >= 8 {
		h = mix(h^le64(s), mixK1)
		s = s[8:]
	}
	var tail uint64
	for i := 0; i < len(s); i++ {
		tail |= uint64(s[i]) << (8 * i)
	}
	return mix(h^tail^mixK2, mixK0^uint64(len(s)))
}

// slotsFor is a table's number of slots for n entries: a load factor of at most 2/3 keeps an
// unsuccessful lookup (the common case: most tokens are not revoked) to a few adjacent slots,
// and at least one slot is always empty, which ends every probe sequence.
func slotsFor(n int) int { return n + n/2 + 1 }

// home is the first slot probed for h in a table of slots slots (multiply-shift range
// reduction, so the table need not be a power of two).
func home(h idHash, slots int) int {
	hi, _ := bits.Mul64(h.h1, uint64(slots))
	return int(hi)
}

// table is one open-addressing table: words holds slots of width words each.
type table struct {
	words []uint64
	width int
	n     int // occupied slots
}

func newTable(n, width int) table {
	return table{words: make([]uint64, slotsFor(n)*width), width: width}
}

func (t *table) slots() int { return len(t.words) / t.width }

// find returns the slot holding h, or -1. The probe stops at an empty slot and, whatever the
// table's contents, after visiting every slot once.
func (t *table) find(h idHash) int {
	slots := t.slots()
	if slots == 0 {
		return -1
	}
	i := home(h, slots)
	for probes := 0; probes < slots; probes++ {
		w := t.words[i*t.width:]
		switch {
		case w[0] == 0:
			return -1
		case w[0] == h.h1 && w[1] == h.h2:
			return i
		}
		if i++; i == slots {
			i = 0
		}
	}
	return -1
}

// insert stores h with its values; false when h is already there. The table was sized for
// every entry inserted (newTable), so an empty slot is always found.
func (t *table) insert(h idHash, values ...uint64) bool {
	slots := t.slots()
	i := home(h, slots)
	for {
		w := t.words[i*t.width : (i+1)*t.width]
		if w[0] == 0 {
			w[0], w[1] = h.h1, h.h2
			copy(w[2:], values)
			t.n++
			return true
		}
		if w[0] == h.h1 && w[1] == h.h2 {
			return false
		}
		if i++; i == slots {
			i = 0
		}
	}
}

// consistent reports whether every occupied slot can be found by find: no empty slot lies
// between an entry's home slot and the slot it is in, and it counts the occupied slots. One
// pass, starting after an empty slot so that clusters wrapping around the end are handled.
func (t *table) consistent() (occupied int, ok bool) {
	slots := t.slots()
	start := -1
	for i := 0; i < slots; i++ {
		if t.words[i*t.width] == 0 {
			start = i
			break
		}
	}
	if start < 0 {
		return 0, false // no empty slot: a table this code did not build
	}
	run := 0 // occupied slots since the last empty one
	for k := 1; k <= slots; k++ {
		i := (start + k) % slots
		w := t.words[i*t.width:]
		if w[0] == 0 {
			run = 0
			continue
		}
		occupied++
		// The entry's displacement from its home, going forward (with wrap-around).
		d := i - home(idHash{w[0], w[1]}, slots)
		if d < 0 {
			d += slots
		}
		if d > run {
			return 0, false
		}
		run++
	}
	return occupied, true
}

// newSeed draws a list's seed from math/rand/v2's global source (the runtime's generator,
// seeded at start with random_get): it need only vary, not be secret (see above).
func newSeed() [2]uint64 { return [2]uint64{rand.Uint64(), rand.Uint64()} }
