package pollfix

import "fmt"

// reader decodes the WebAssembly binary format's primitives (WebAssembly Core Specification
// 2.0, §5.2): LEB128 integers, bytes and names. Every read is bounds-checked; the first
// error sticks and later reads return zero values, so callers check err once per item.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) done() bool { return r.err != nil || r.off >= len(r.b) }

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("unexpected end of input at offset %d", r.off)
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)-r.off) {
		r.fail("length %d at offset %d runs past the end (%d bytes)", n, r.off, len(r.b))
		return nil
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// uleb reads an unsigned LEB128 of at most bits bits, rejecting encodings longer than
// ceil(bits/7) bytes and unused high bits in the last byte, as the specification does.
func (r *reader) uleb(bits uint) uint64 {
	var v uint64
	for shift, n := uint(0), 0; ; shift, n = shift+7, n+1 {
		if n >= int((bits+6)/7) {
			r.fail("LEB128 integer too long at offset %d", r.off)
			return 0
		}
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if rem := bits - shift; rem < 7 && c&0x7f>>rem != 0 {
			r.fail("LEB128 integer overflows %d bits at offset %d", bits, r.off-1)
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

// sleb skips a signed LEB128 of at most bits bits (the value itself is never needed).
func (r *reader) sleb(bits uint) {
	for n := 0; ; n++ {
		if n >= int((bits+6)/7) {
			r.fail("signed LEB128 integer too long at offset %d", r.off)
			return
		}
		if c := r.byte(); r.err != nil || c&0x80 == 0 {
			return
		}
	}
}

func (r *reader) u32() uint32 { return uint32(r.uleb(32)) }

func (r *reader) name() string { return string(r.bytes(r.u32())) }

// appendULEB appends v as unsigned LEB128, padded with continuation bytes to width bytes
// when width is larger than the minimal encoding (padding is valid up to ceil(32/7) = 5
// bytes for u32, and Go's linker writes padded sizes and call targets).
func appendULEB(b []byte, v uint64, width int) []byte {
	for n := 1; ; n++ {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 || n < width {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// ulebLen is the length of v's minimal unsigned LEB128 encoding.
func ulebLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// appendSameWidth encodes v in the width of the encoding it replaces when it fits (so the
// bytes around it keep their offsets), else minimally.
func appendSameWidth(b []byte, v uint64, oldWidth int) []byte {
	if ulebLen(v) <= oldWidth && oldWidth <= 5 {
		return appendULEB(b, v, oldWidth)
	}
	return appendULEB(b, v, 0)
}
