package jwtverify

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// randomList is a random revocation list and, as the oracle, the same entries in plain Go
// maps. Identifiers share prefixes and lengths (the hash's tail handling), and times fall
// around revNow so that spent and live entries are both present.
type randomList struct {
	doc  []byte
	jti  map[string]int64
	sub  map[string]cutoff
	all  *cutoff
	keys []string // every identifier listed, and as many that are not
}

func newRandomList(r *rand.Rand, nJTI, nSub int) randomList {
	out := randomList{jti: map[string]int64{}, sub: map[string]cutoff{}}
	id := func() string {
		return strings.Repeat("k", r.IntN(12)) + strconv.FormatUint(r.Uint64()>>r.UintN(64), 36)
	}
	t := func() int64 { return revNow - 50 + r.Int64N(100) }
	var m mint.Revocations
	for len(out.jti) < nJTI {
		s, exp := id(), t()
		if _, dup := out.jti[s]; !dup {
			out.jti[s] = exp
			m.JTI = append(m.JTI, mint.RevokeJTI(s, exp))
			out.keys = append(out.keys, s, s+"x")
		}
	}
	for len(out.sub) < nSub {
		s, c := id(), cutoff{iatBefore: t(), expires: t()}
		if _, dup := out.sub[s]; !dup {
			out.sub[s] = c
			m.Sub = append(m.Sub, mint.RevokeSub(s, c.iatBefore, c.expires))
			out.keys = append(out.keys, s, "x"+s)
		}
	}
	if r.IntN(2) == 0 {
		c := cutoff{iatBefore: t(), expires: t()}
		out.all, m.All = &c, mint.RevokeAll(c.iatBefore, c.expires)
	}
	out.doc = m.JSON()
	return out
}

// revokes is the oracle: the rules of docs/revocation.md over plain maps.
func (o randomList) revokes(ids TokenIDs, now int64) bool {
	if o.all != nil && o.all.matches(ids, now) {
		return true
	}
	if exp, ok := o.jti[ids.JTI]; ok && ids.JTI != "" && now < exp {
		return true
	}
	c, ok := o.sub[ids.Sub]
	return ok && ids.Sub != "" && c.matches(ids, now)
}

// TestRevocationIndexAgainstMaps: on random lists, the parsed index, and the index decoded
// from its binary form, answer every lookup as plain Go maps of the same entries do.
func TestRevocationIndexAgainstMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 1))
	sizes := [][2]int{{0, 0}, {1, 0}, {0, 1}, {2, 3}, {17, 5}, {300, 40}, {5000, 500}}
	for _, n := range sizes {
		t.Run(strconv.Itoa(n[0])+"+"+strconv.Itoa(n[1]), func(t *testing.T) {
			for round := 0; round < 5; round++ {
				o := newRandomList(r, n[0], n[1])
				l, err := ParseRevocations(o.doc, RevocationLimits{})
				if err != nil {
					t.Fatal(err)
				}
				d, err := DecodeIndex(l.EncodeIndex(), RevocationLimits{})
				if err != nil {
					t.Fatal("the encoding of a parsed list is refused:", err)
				}
				if l.Len() != o.len() || d.Len() != o.len() {
					t.Fatalf("Len %d, decoded %d, want %d", l.Len(), d.Len(), o.len())
				}
				for i := 0; i < 4*len(o.keys)+20; i++ {
					ids := TokenIDs{IAT: revNow - 60 + r.Int64N(120), HasIAT: r.IntN(4) != 0}
					if len(o.keys) > 0 {
						ids.JTI, ids.Sub = o.keys[r.IntN(len(o.keys))], o.keys[r.IntN(len(o.keys))]
					}
					now := revNow - 60 + r.Int64N(120)
					want := o.revokes(ids, now)
					if got := l.Revokes(ids, now); got != want {
						t.Fatalf("parsed: Revokes(%+v, %d) = %v, want %v", ids, now, got, want)
					}
					if got := d.Revokes(ids, now); got != want {
						t.Fatalf("decoded: Revokes(%+v, %d) = %v, want %v", ids, now, got, want)
					}
				}
			}
		})
	}
}

func (o randomList) len() int {
	n := len(o.jti) + len(o.sub)
	if o.all != nil {
		n++
	}
	return n
}

// TestRevocationIndexSeedsDiffer: two parses of one document draw different seeds (so the
// tables differ) and agree on every lookup.
func TestRevocationIndexSeedsDiffer(t *testing.T) {
	o := newRandomList(rand.New(rand.NewPCG(20, 2)), 200, 20)
	a, err1 := ParseRevocations(o.doc, RevocationLimits{})
	b, err2 := ParseRevocations(o.doc, RevocationLimits{})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if a.seed == b.seed || string(a.EncodeIndex()) == string(b.EncodeIndex()) {
		t.Fatal("two parses share a seed")
	}
	for _, k := range o.keys {
		ids := TokenIDs{JTI: k, Sub: k}
		if a.Revokes(ids, revNow) != b.Revokes(ids, revNow) {
			t.Fatalf("the two parses disagree on %q", k)
		}
	}
}

// withChecksum re-seals an encoding altered by a test, so that the checks behind the
// checksum are reached.
func withChecksum(b []byte) []byte {
	binary.LittleEndian.PutUint64(b[8*indexChecksumWord:], indexChecksum(b))
	return b
}

func TestDecodeIndexRefuses(t *testing.T) {
	l, err := ParseRevocations(newRandomList(rand.New(rand.NewPCG(20, 3)), 40, 8).doc, RevocationLimits{})
	if err != nil {
		t.Fatal(err)
	}
	good := l.EncodeIndex()
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	put := func(word int, v uint64) func(b []byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint64(b[8*word:], v); return b }
	}
	// occupied finds the first occupied jti slot (as a word index of the encoding) whose
	// next slot is empty.
	movable := func(b []byte) (int, int) {
		w := func(i int) uint64 { return binary.LittleEndian.Uint64(b[8*i:]) }
		for s := 0; s+1 < slotsFor(40); s++ {
			at := indexHeaderWords + s*jtiSlotWords
			if w(at) != 0 && w(at+jtiSlotWords) == 0 {
				return at, at + jtiSlotWords
			}
		}
		t.Fatal("no movable slot")
		return 0, 0
	}
	tests := []struct {
		name string
		b    []byte
		lim  RevocationLimits
	}{
		{"empty", nil, RevocationLimits{}},
		{"header only", good[:8*indexHeaderWords], RevocationLimits{}},
		{"truncated by one word", good[:len(good)-8], RevocationLimits{}},
		{"truncated by one byte", good[:len(good)-1], RevocationLimits{}},
		{"one byte more", append(append([]byte(nil), good...), 0), RevocationLimits{}},
		{"another format", edit(func(b []byte) []byte { b[7] = '2'; return b }), RevocationLimits{}},
		{"a JSON document", newRandomList(rand.New(rand.NewPCG(20, 4)), 3, 1).doc, RevocationLimits{}},
		{"bit flipped in a table", edit(func(b []byte) []byte { b[len(b)-3] ^= 4; return b }), RevocationLimits{}},
		{"bit flipped in the seed", edit(func(b []byte) []byte { b[9] ^= 1; return b }), RevocationLimits{}},
		{"more entries than the limit", good, RevocationLimits{MaxEntries: 47}},
		{"count huge", edit(func(b []byte) []byte { return withChecksum(put(6, 1<<62)(b)) }), RevocationLimits{}},
		{"count one less, same size", edit(func(b []byte) []byte { return withChecksum(put(6, 39)(b)) }), RevocationLimits{}},
		{"all flag 2", edit(func(b []byte) []byte { return withChecksum(put(3, 2)(b)) }), RevocationLimits{}},
		{"all time out of range", edit(func(b []byte) []byte { return withChecksum(put(3, 1)(put(5, maxNumericDate+1)(b))) }), RevocationLimits{}},
		{"all times without all", edit(func(b []byte) []byte { return withChecksum(put(3, 0)(put(4, 7)(b))) }), RevocationLimits{}},
		{"entry moved past an empty slot", edit(func(b []byte) []byte {
			from, to := movable(b)
			// Move the entry one slot on, leaving its slot empty: find can no longer reach it
			// unless its home is the next slot, so use the one just after instead.
			copy(b[8*to:8*(to+jtiSlotWords)], b[8*from:8*(from+jtiSlotWords)])
			clear(b[8*from : 8*(from+jtiSlotWords)])
			h := idHash{binary.LittleEndian.Uint64(b[8*to:]), binary.LittleEndian.Uint64(b[8*(to+1):])}
			if indexHeaderWords+home(h, slotsFor(40))*jtiSlotWords == to {
				t.Skip("the random list put the moved entry's home on the next slot")
			}
			return withChecksum(b)
		}), RevocationLimits{}},
		{"dirty empty slot", edit(func(b []byte) []byte {
			_, empty := movable(b)
			binary.LittleEndian.PutUint64(b[8*(empty+2):], 5)
			return withChecksum(b)
		}), RevocationLimits{}},
		{"entry time out of range", edit(func(b []byte) []byte {
			at, _ := movable(b)
			binary.LittleEndian.PutUint64(b[8*(at+2):], maxNumericDate+1)
			return withChecksum(b)
		}), RevocationLimits{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d, err := DecodeIndex(tc.b, tc.lim); err == nil {
				t.Fatalf("accepted, %d entries", d.Len())
			} else if !strings.Contains(err.Error(), "shared index") {
				t.Fatalf("error %q does not name the shared index", err)
			}
		})
	}
	if _, err := DecodeIndex(good, RevocationLimits{MaxEntries: 49}); err != nil {
		t.Fatal("the good encoding is refused at its exact entry count:", err)
	}
}

// TestDecodeIndexRefusesEveryTruncation: no prefix of an encoding is accepted.
func TestDecodeIndexRefusesEveryTruncation(t *testing.T) {
	l, err := ParseRevocations(newRandomList(rand.New(rand.NewPCG(20, 5)), 6, 2).doc, RevocationLimits{})
	if err != nil {
		t.Fatal(err)
	}
	good := l.EncodeIndex()
	for n := 0; n < len(good); n++ {
		if _, err := DecodeIndex(good[:n], RevocationLimits{}); err == nil {
			t.Fatalf("the first %d of %d bytes are accepted", n, len(good))
		}
	}
}

// FuzzDecodeIndex: any bytes decode without panicking; what is accepted re-encodes to the
// same bytes (so nothing the encoder cannot produce is used) and looks up without panicking.
func FuzzDecodeIndex(f *testing.F) {
	r := rand.New(rand.NewPCG(20, 6))
	for _, n := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {3, 2}, {12, 4}} {
		l, err := ParseRevocations(newRandomList(r, n[0], n[1]).doc, RevocationLimits{})
		if err != nil {
			f.Fatal(err)
		}
		b := l.EncodeIndex()
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(indexMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeIndex(b, RevocationLimits{})
		if err != nil {
			return
		}
		if string(l.EncodeIndex()) != string(b) {
			t.Fatal("an accepted encoding does not re-encode to itself")
		}
		l.Revokes(TokenIDs{JTI: "a", Sub: "b"}, revNow)
	})
}

// BenchmarkAdoptRevocations: what a VM that did not fetch a list of 10^5 entries spends to
// adopt it (DecodeIndex), against parsing the document (BenchmarkParseRevocations):
//
//	go test -run '^$' -bench 'AdoptRevocations|ParseRevocations' -benchmem ./jwtverify
func BenchmarkAdoptRevocations(b *testing.B) {
	l, err := ParseRevocations(bigRevocationList(100_000), RevocationLimits{})
	if err != nil {
		b.Fatal(err)
	}
	enc := l.EncodeIndex()
	b.SetBytes(int64(len(enc)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeIndex(enc, RevocationLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}
