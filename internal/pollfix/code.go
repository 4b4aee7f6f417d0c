package pollfix

import "fmt"

// Opcodes the rewrite looks at (WebAssembly Core Specification 2.0, §5.4).
const (
	opBlock   = 0x02
	opLoop    = 0x03
	opIf      = 0x04
	opEnd     = 0x0b
	opCall    = 0x10
	opRefFunc = 0xd2
	opPrefixC = 0xfc // saturating truncation, bulk memory and table instructions
)

// instr is one decoded instruction: its opcode (prefixed ones as 0xfc<<8|sub), where it
// starts, and for call and ref.func the function index with the position and width of its
// LEB128 (so a call can be redirected in place).
type instr struct {
	opcode    uint32
	offset    int
	index     uint32
	immOffset int
	immWidth  int
}

// walkInstructions decodes instructions from r up to and including the end that closes the
// expression, calling visit for each. It refuses any opcode outside the MVP, sign-extension,
// non-trapping float-to-int, bulk memory and reference types instruction sets: those are
// what Go's compiler emits (cmd/internal/obj/wasm), and an instruction the walker does not
// know might hide a call.
func walkInstructions(r *reader, visit func(instr) error) error {
	depth := 0
	for {
		if r.err != nil {
			return r.err
		}
		if r.off >= len(r.b) {
			return fmt.Errorf("expression not terminated by end at offset %d", r.off)
		}
		in := instr{offset: r.off, opcode: uint32(r.byte())}
		switch op := in.opcode; {
		case op == 0x00, op == 0x01, op == 0x05, op == 0x0f, op == 0x1a, op == 0x1b,
			op >= 0x45 && op <= 0xc4, op == 0xd1:
			// no immediates
		case op == opBlock, op == opLoop, op == opIf:
			blockType(r)
			depth++
		case op == opEnd:
			depth--
		case op == 0x0c, op == 0x0d, op >= 0x20 && op <= 0x26:
			r.u32() // label, local, global or table index
		case op == 0x0e: // br_table
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				r.u32()
			}
			r.u32()
		case op == opCall, op == opRefFunc:
			in.immOffset = r.off
			in.index = r.u32()
			in.immWidth = r.off - in.immOffset
		case op == 0x11: // call_indirect: type index, table index
			r.u32()
			r.u32()
		case op == 0x1c: // select with types
			r.bytes(r.u32())
		case op >= 0x28 && op <= 0x3e: // loads and stores: memarg
			r.u32()
			r.u32()
		case op == 0x3f, op == 0x40: // memory.size, memory.grow
			memoryZero(r)
		case op == 0x41:
			r.sleb(32)
		case op == 0x42:
			r.sleb(64)
		case op == 0x43:
			r.bytes(4)
		case op == 0x44:
			r.bytes(8)
		case op == 0xd0: // ref.null
			r.byte()
		case op == opPrefixC:
			in.opcode = opPrefixC<<8 | prefixedC(r)
		default:
			return fmt.Errorf("unknown opcode 0x%02x at offset %d", op, in.offset)
		}
		if r.err != nil {
			return r.err
		}
		if err := visit(in); err != nil {
			return err
		}
		if depth < 0 {
			return nil
		}
	}
}

// blockType reads a block type: empty (0x40), one value type, or a type index (s33).
func blockType(r *reader) {
	if r.off < len(r.b) {
		switch r.b[r.off] {
		case 0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f:
			r.byte()
			return
		}
	}
	r.sleb(33)
}

// memoryZero reads the reserved memory index byte, which must be 0 without multi-memory.
func memoryZero(r *reader) {
	if c := r.byte(); c != 0 && r.err == nil {
		r.fail("memory index %d at offset %d (multiple memories are not supported)", c, r.off-1)
	}
}

// prefixedC reads the 0xfc-prefixed instruction's sub-opcode and immediates.
func prefixedC(r *reader) uint32 {
	sub := r.u32()
	switch {
	case sub <= 7: // trunc_sat
	case sub == 8: // memory.init
		r.u32()
		memoryZero(r)
	case sub == 9, sub == 13, sub >= 15 && sub <= 17: // data.drop, elem.drop, table.grow/size/fill
		r.u32()
	case sub == 10: // memory.copy
		memoryZero(r)
		memoryZero(r)
	case sub == 11: // memory.fill
		memoryZero(r)
	case sub == 12, sub == 14: // table.init, table.copy
		r.u32()
		r.u32()
	default:
		r.fail("unknown opcode 0xfc %d", sub)
	}
	return sub
}

// calls decodes defined function i's body and returns its call and ref.func instructions,
// with offsets relative to the body.
func (m *module) calls(i int) ([]instr, error) {
	r := &reader{b: m.code(i)}
	for n := r.u32(); n > 0 && r.err == nil; n-- { // local declarations
		r.u32()
		r.byte()
	}
	var found []instr
	err := walkInstructions(r, func(in instr) error {
		if in.opcode == opCall || in.opcode == opRefFunc {
			found = append(found, in)
		}
		return nil
	})
	if err == nil && r.off != len(r.b) {
		err = fmt.Errorf("%d bytes after the body's final end", len(r.b)-r.off)
	}
	if err != nil {
		return nil, fmt.Errorf("function %d: %w", len(m.funcImports)+i, err)
	}
	return found, nil
}
