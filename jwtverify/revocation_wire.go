package jwtverify

import (
	"encoding/binary"
	"strconv"
)

// The binary form of a parsed revocation list (issue 20): what the VM that fetched a list
// publishes in shared data so that the other VMs of the proxy adopt it without parsing the
// JSON document again. It is the index itself, little-endian 64-bit words:
//
//	word 0     magic "jwtgrev1"
//	word 1, 2  the list's hash seed
//	word 3     1 if the list has an "all" entry, else 0
//	word 4, 5  all.iat_before, all.expires
//	word 6, 7  jti entries, sub entries
//	word 8     checksum: hashString(checksumSeed, every other byte of the encoding)
//	then       the jti table (slotsFor(jti entries) slots of 3 words), the sub table
//	           (slotsFor(sub entries) slots of 4 words)
//
// DecodeIndex accepts only what EncodeIndex of a valid list produces: exact length for the
// counts, times in range, the checksum, and tables in which find reaches every entry with the
// declared number of entries. Anything else (another plugin version's encoding, a truncated
// or corrupted value) is refused and never used.

const (
	indexMagic        = "jwtgrev1"
	indexHeaderWords  = 9
	indexChecksumWord = 8
	checksumSeed      = 0x2545f4914f6cdd1d
)

// EncodeIndex returns the binary form of l.
func (l *RevocationList) EncodeIndex() []byte {
	n := indexHeaderWords + len(l.jti.words) + len(l.sub.words)
	b := make([]byte, 0, 8*n)
	b = append(b, indexMagic...)
	var hasAll uint64
	if l.hasAll {
		hasAll = 1
	}
	for _, w := range []uint64{l.seed[0], l.seed[1], hasAll, uint64(l.all.iatBefore), uint64(l.all.expires),
		uint64(l.jti.n), uint64(l.sub.n), 0} {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	for _, w := range l.jti.words {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	for _, w := range l.sub.words {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	binary.LittleEndian.PutUint64(b[8*indexChecksumWord:], indexChecksum(b))
	return b
}

// indexChecksum hashes the encoding with its checksum word left out.
func indexChecksum(b []byte) uint64 {
	return hashString(hashString(checksumSeed, b[:8*indexChecksumWord]), b[8*(indexChecksumWord+1):])
}

// DecodeIndex reads the binary form of a list. lim bounds the number of entries as for a
// document (lim.MaxBytes does not apply: the encoding is not the document). Any problem
// refuses it with ErrBadRevocationList.
func DecodeIndex(b []byte, lim RevocationLimits) (*RevocationList, error) {
	if lim.MaxEntries <= 0 {
		lim.MaxEntries = DefaultMaxRevocationEntries
	}
	if len(b) < 8*indexHeaderWords || string(b[:8]) != indexMagic {
		return nil, badList("the shared index is not in this version's format")
	}
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(b[8*i:]) }
	var l RevocationList
	l.seed = [2]uint64{word(1), word(2)}
	hasAll, before, expires := word(3), word(4), word(5)
	nJTI, nSub := word(6), word(7)
	max := uint64(lim.MaxEntries)
	if hasAll > 1 || nJTI > max || nSub > max || nJTI+nSub+hasAll > max {
		return nil, badList("the shared index has more than " + strconv.Itoa(lim.MaxEntries) + " entries")
	}
	jtiWords, subWords := slotsFor(int(nJTI))*jtiSlotWords, slotsFor(int(nSub))*subSlotWords
	if len(b) != 8*(indexHeaderWords+jtiWords+subWords) {
		return nil, badList("the shared index is " + strconv.Itoa(len(b)) + " bytes, not the size its counts give")
	}
	if word(indexChecksumWord) != indexChecksum(b) {
		return nil, badList("the shared index fails its checksum")
	}
	if before > maxNumericDate || expires > maxNumericDate || (hasAll == 0 && before|expires != 0) {
		return nil, badList("the shared index's all entry is malformed")
	}
	l.all, l.hasAll = cutoff{iatBefore: int64(before), expires: int64(expires)}, hasAll == 1
	off := indexHeaderWords
	l.jti = table{words: words(b, off, jtiWords), width: jtiSlotWords}
	l.sub = table{words: words(b, off+jtiWords, subWords), width: subSlotWords}
	if err := l.jti.check("jti", int(nJTI), 2); err != nil {
		return nil, err
	}
	if err := l.sub.check("sub", int(nSub), 2, 3); err != nil {
		return nil, err
	}
	return &l, nil
}

// words copies n words from b at word offset off.
func words(b []byte, off, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[8*(off+i):])
	}
	return out
}

// check verifies a decoded table: n entries, each reachable by find, with the words at the
// positions given (times) in range and empty slots all zero.
func (t *table) check(name string, n int, times ...int) error {
	occupied, ok := t.consistent()
	if !ok || occupied != n {
		return badList("the shared index's " + name + " table is inconsistent")
	}
	t.n = n
	for i := 0; i < len(t.words); i += t.width {
		w := t.words[i : i+t.width]
		if w[0] == 0 {
			for _, v := range w {
				if v != 0 {
					return badList("the shared index's " + name + " table has a dirty empty slot")
				}
			}
			continue
		}
		for _, at := range times {
			if w[at] > maxNumericDate {
				return badList("the shared index's " + name + " table has a time out of range")
			}
		}
	}
	return nil
}
