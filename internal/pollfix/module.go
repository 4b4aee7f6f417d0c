package pollfix

import (
	"bytes"
	"fmt"
)

// Section ids (WebAssembly Core Specification 2.0, §5.5.2).
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

// sectionOrder is the order non-custom sections must appear in (§5.5.16); a section id not
// in it (e.g. the exception-handling proposal's tag section) is refused.
var sectionOrder = map[byte]int{secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5,
	secGlobal: 6, secExport: 7, secStart: 8, secElement: 9, secDataCount: 10, secCode: 11, secData: 12}

const (
	valI32 = 0x7f
	valI64 = 0x7e
)

type section struct {
	id        byte
	sizeWidth int    // bytes of the size's LEB128 as found (Go's linker pads them to 5)
	payload   []byte // the section's contents after its size
	name      string // custom sections only
}

type funcType struct{ params, results []byte }

// module is what the rewrite needs to know about a module, decoded from its sections.
type module struct {
	sections    []section
	types       []funcType
	funcImports []funcImport // function imports, in index order
	funcTypes   []uint32     // type index of each defined function
	bodies      []body       // code section entries, in order
	codeIndex   int          // index into sections of the code section
	funcIndex   int          // index into sections of the function section
	nameIndex   int          // index into sections of the "name" custom section, or -1
	markerIndex int          // index into sections of our marker section, or -1
	hasMemory   bool
	referenced  map[uint32]string // function index → where it is referenced other than by call
}

type funcImport struct {
	module, field string
	typ           uint32
}

// body is one code section entry: where its size and contents are in the code payload.
type body struct {
	sizeWidth int
	start     int // offset of the body (after its size) in the code section's payload
	end       int
}

var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// parse decodes the module's framing and the sections the rewrite depends on, refusing
// anything outside the subset it understands.
func parse(b []byte) (*module, error) {
	if !bytes.HasPrefix(b, wasmHeader) {
		return nil, fmt.Errorf("not a WebAssembly 1.0 binary module (bad magic or version)")
	}
	m := &module{codeIndex: -1, funcIndex: -1, nameIndex: -1, markerIndex: -1,
		referenced: map[uint32]string{}}
	r := &reader{b: b, off: len(wasmHeader)}
	last := 0
	seen := map[byte]bool{}
	for !r.done() {
		id := r.byte()
		before := r.off
		size := r.u32()
		width := r.off - before // read before r.bytes moves r.off
		s := section{id: id, sizeWidth: width, payload: r.bytes(size)}
		if r.err != nil {
			return nil, fmt.Errorf("section framing: %w", r.err)
		}
		if id == secCustom {
			cr := &reader{b: s.payload}
			s.name = cr.name()
			if cr.err != nil {
				return nil, fmt.Errorf("custom section name: %w", cr.err)
			}
			switch s.name {
			case "name":
				if m.nameIndex >= 0 {
					return nil, fmt.Errorf("more than one name section")
				}
				m.nameIndex = len(m.sections)
			case markerName:
				m.markerIndex = len(m.sections)
			}
			m.sections = append(m.sections, s)
			continue
		}
		pos, ok := sectionOrder[id]
		if !ok {
			return nil, fmt.Errorf("unexpected section id %d", id)
		}
		if seen[id] || pos < last {
			return nil, fmt.Errorf("section id %d out of order or repeated", id)
		}
		seen[id], last = true, pos
		switch id {
		case secFunction:
			m.funcIndex = len(m.sections)
		case secCode:
			m.codeIndex = len(m.sections)
		}
		m.sections = append(m.sections, s)
	}
	for _, id := range []byte{secType, secImport, secFunction, secCode} {
		if !seen[id] {
			return nil, fmt.Errorf("the module has no section id %d (type, import, function and code are required)", id)
		}
	}
	if err := m.decode(); err != nil {
		return nil, err
	}
	return m, nil
}

// decode reads the contents of the sections the rewrite depends on.
func (m *module) decode() error {
	for _, s := range m.sections {
		r := &reader{b: s.payload}
		var what string
		switch s.id {
		case secType:
			what = "type"
			m.readTypes(r)
		case secImport:
			what = "import"
			m.readImports(r)
		case secFunction:
			what = "function"
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				m.funcTypes = append(m.funcTypes, r.u32())
			}
		case secMemory:
			what = "memory"
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				readLimits(r)
				m.hasMemory = true
			}
		case secExport:
			what = "export"
			m.readExports(r)
		case secStart:
			what = "start"
			m.referenced[r.u32()] = "the start section"
		case secElement:
			what = "element"
			m.readElements(r)
		case secGlobal:
			what = "global"
			m.readGlobals(r)
		case secCode:
			what = "code"
			m.readBodies(r)
		default:
			continue
		}
		if r.err == nil && r.off != len(r.b) {
			r.fail("%d trailing bytes", len(r.b)-r.off)
		}
		if r.err != nil {
			return fmt.Errorf("%s section: %w", what, r.err)
		}
	}
	if len(m.funcTypes) != len(m.bodies) {
		return fmt.Errorf("%d functions declared but %d bodies in the code section", len(m.funcTypes), len(m.bodies))
	}
	for i, t := range m.funcTypes {
		if int(t) >= len(m.types) {
			return fmt.Errorf("function %d has type index %d of %d", len(m.funcImports)+i, t, len(m.types))
		}
	}
	return nil
}

func (m *module) readTypes(r *reader) {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		if form := r.byte(); form != 0x60 {
			r.fail("type form 0x%02x is not a function type", form)
			return
		}
		var t funcType
		t.params = r.bytes(r.u32())
		t.results = r.bytes(r.u32())
		m.types = append(m.types, t)
	}
}

func (m *module) readImports(r *reader) {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		mod, field := r.name(), r.name()
		switch kind := r.byte(); kind {
		case 0x00:
			t := r.u32()
			if r.err == nil && int(t) >= len(m.types) {
				r.fail("import %s.%s has type index %d of %d", mod, field, t, len(m.types))
			}
			m.funcImports = append(m.funcImports, funcImport{module: mod, field: field, typ: t})
		case 0x01:
			r.byte() // reference type
			readLimits(r)
		case 0x02:
			readLimits(r)
			m.hasMemory = true
		case 0x03:
			r.byte() // value type
			r.byte() // mutability
		default:
			r.fail("import %s.%s has unknown kind 0x%02x", mod, field, kind)
		}
	}
}

func readLimits(r *reader) {
	switch flags := r.byte(); flags {
	case 0x00:
		r.u32()
	case 0x01:
		r.u32()
		r.u32()
	default:
		// Shared (threads) and 64-bit (memory64) memories are outside what this tool knows.
		r.fail("limits flags 0x%02x not supported", flags)
	}
}

func (m *module) readExports(r *reader) {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		name := r.name()
		kind, idx := r.byte(), r.u32()
		if kind == 0x00 {
			m.referenced[idx] = "export " + name
		}
	}
}

// readElements records the functions element segments place in tables (reachable with
// call_indirect). Encodings 0–7 as in §5.5.12.
func (m *module) readElements(r *reader) {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		flags := r.u32()
		if flags > 7 {
			r.fail("element segment flags %d", flags)
			return
		}
		if flags&1 == 0 { // active
			if flags&2 != 0 {
				r.u32() // table index
			}
			m.constExpr(r, "an element segment offset")
		}
		if flags&3 != 0 { // elemkind or reftype byte
			r.byte()
		}
		for k := r.u32(); k > 0 && r.err == nil; k-- {
			if flags&4 == 0 {
				m.referenced[r.u32()] = "an element segment"
			} else {
				m.constExpr(r, "an element segment")
			}
		}
	}
}

func (m *module) readGlobals(r *reader) {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		r.byte() // value type
		r.byte() // mutability
		m.constExpr(r, "a global initializer")
	}
}

// constExpr reads an initializer expression, noting any ref.func in it.
func (m *module) constExpr(r *reader, where string) {
	err := walkInstructions(r, func(op instr) error {
		if op.opcode == opRefFunc {
			m.referenced[op.index] = where
		}
		return nil
	})
	if err != nil {
		r.fail("%v", err)
	}
}

func (m *module) readBodies(r *reader) {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		before := r.off
		size := r.u32()
		b := body{sizeWidth: r.off - before, start: r.off}
		r.bytes(size)
		b.end = r.off
		m.bodies = append(m.bodies, b)
	}
}

// code returns the bytes of defined function i's body.
func (m *module) code(i int) []byte {
	b := m.bodies[i]
	return m.sections[m.codeIndex].payload[b.start:b.end]
}
