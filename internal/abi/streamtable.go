package abi

// streamTable maps the host's stream context ids to their streamContext. It replaces a Go
// map on the request path: every stream is inserted once, looked up by each of its
// callbacks and deleted once, and in wasm a Go map paid for each of those what a request's
// own work costs (issue 19, docs/performance.md): its uint32 hash runs the runtime's
// fallback hash, which multiplies 128-bit products that wasm lacks, and a map whose last
// entry is deleted draws a new random seed, which a VM serving one request at a time does
// on every stream.
//
// Open addressing with linear probing, a power-of-two number of slots at most half full,
// and deletion by shifting back the entries that follow (no tombstones, so a long-lived VM
// never degrades). Slots are chosen by Fibonacci hashing of the id: Envoy numbers contexts
// consecutively per VM (docs/host.md#context-ids), and consecutive ids land in distinct
// slots.
type streamTable struct {
	slots []streamSlot
	n     int
	shift uint32 // 32 − log2(len(slots))
}

type streamSlot struct {
	id uint32
	s  *streamContext // nil: the slot is empty
}

const streamTableMinSlots = 8

// home is where id's probe sequence starts.
func (t *streamTable) home(id uint32) uint32 { return (id * 0x9E3779B9) >> t.shift }

func (t *streamTable) mask() uint32 { return uint32(len(t.slots) - 1) }

func (t *streamTable) get(id uint32) (*streamContext, bool) {
	if t.n == 0 {
		return nil, false
	}
	for i := t.home(id); ; i = (i + 1) & t.mask() {
		sl := &t.slots[i]
		if sl.s == nil {
			return nil, false
		}
		if sl.id == id {
			return sl.s, true
		}
	}
}

// put sets id's stream, replacing any it had; s must not be nil.
func (t *streamTable) put(id uint32, s *streamContext) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	for i := t.home(id); ; i = (i + 1) & t.mask() {
		sl := &t.slots[i]
		if sl.s == nil {
			*sl = streamSlot{id: id, s: s}
			t.n++
			return
		}
		if sl.id == id {
			sl.s = s
			return
		}
	}
}

// del removes id, if present. The entries after it in its run move back into the hole
// when their probe sequence allows (Knuth, TAOCP vol. 3, §6.4, Algorithm R).
func (t *streamTable) del(id uint32) {
	if t.n == 0 {
		return
	}
	m := t.mask()
	i := t.home(id)
	for ; t.slots[i].id != id || t.slots[i].s == nil; i = (i + 1) & m {
		if t.slots[i].s == nil {
			return
		}
	}
	for j := (i + 1) & m; t.slots[j].s != nil; j = (j + 1) & m {
		// The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
		if h := t.home(t.slots[j].id); (j-h)&m >= (j-i)&m {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = streamSlot{}
	t.n--
}

func (t *streamTable) grow() {
	old := t.slots
	size := max(2*len(old), streamTableMinSlots)
	t.slots = make([]streamSlot, size)
	t.shift = 32
	for s := size; s > 1; s >>= 1 {
		t.shift--
	}
	t.n = 0
	for _, sl := range old {
		if sl.s != nil {
			t.put(sl.id, sl.s)
		}
	}
}

// len is the number of streams in the table.
func (t *streamTable) len() int { return t.n }
