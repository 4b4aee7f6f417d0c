package e2e

// A minimal WebAssembly binary encoder for hand-made test modules: the host behaviours
// pinned with them (which start functions run, what a trapping allocator does, how imports
// are linked) need a module that does exactly one thing, which a Go build cannot give.
// Encoding per the WebAssembly core specification, section 5 (binary format).

const (
	i32 = 0x7f
	i64 = 0x7e
)

type wasmImport struct {
	module, name    string
	params, results []byte
}

type wasmFunc struct {
	export          string
	params, results []byte
	body            []byte // instructions, without the final end
}

type wasmData struct {
	offset int32
	bytes  string
}

type wasmModule struct {
	imports []wasmImport
	funcs   []wasmFunc
	data    []wasmData
}

// importIndex is the function index of an import, for call instructions.
func (m *wasmModule) importIndex(name string) uint32 {
	for i, im := range m.imports {
		if im.name == name {
			return uint32(i)
		}
	}
	panic("no import " + name)
}

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		done := (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0)
		if !done {
			c |= 0x80
		}
		b = append(b, c)
		if done {
			return b
		}
	}
}

func wname(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func vec(items [][]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func section(id byte, content []byte) []byte {
	return append(append([]byte{id}, uleb(uint64(len(content)))...), content...)
}

func funcType(params, results []byte) []byte {
	t := []byte{0x60}
	t = append(t, uleb(uint64(len(params)))...)
	t = append(t, params...)
	t = append(t, uleb(uint64(len(results)))...)
	return append(t, results...)
}

// Instructions.
func i32const(v int32) []byte { return append([]byte{0x41}, sleb(int64(v))...) }
func call(idx uint32) []byte  { return append([]byte{0x10}, uleb(uint64(idx))...) }

var (
	opDrop        = []byte{0x1a}
	opUnreachable = []byte{0x00}
	opI32Add      = []byte{0x6a}
	opI32Store8   = []byte{0x3a, 0x00, 0x00} // align 1, offset 0
)

func code(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// encode lays the module out: one type per import and function, one exported memory of one
// page, every function exported under its name.
func (m *wasmModule) encode() []byte {
	var types, imports, funcs, exports, bodies, data [][]byte
	for i, im := range m.imports {
		types = append(types, funcType(im.params, im.results))
		imports = append(imports, code(wname(im.module), wname(im.name), []byte{0x00}, uleb(uint64(i))))
	}
	for i, f := range m.funcs {
		typeIdx := len(m.imports) + i
		types = append(types, funcType(f.params, f.results))
		funcs = append(funcs, uleb(uint64(typeIdx)))
		exports = append(exports, code(wname(f.export), []byte{0x00}, uleb(uint64(len(m.imports)+i))))
		body := code([]byte{0x00}, f.body, []byte{0x0b}) // no locals
		bodies = append(bodies, append(uleb(uint64(len(body))), body...))
	}
	exports = append(exports, code(wname("memory"), []byte{0x02, 0x00}))
	for _, d := range m.data {
		data = append(data, code([]byte{0x00}, i32const(d.offset), []byte{0x0b}, wname(d.bytes)))
	}
	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	out = append(out, section(1, vec(types))...)
	out = append(out, section(2, vec(imports))...)
	out = append(out, section(3, vec(funcs))...)
	out = append(out, section(5, vec([][]byte{{0x00, 0x01}}))...)
	out = append(out, section(7, vec(exports))...)
	out = append(out, section(10, vec(bodies))...)
	out = append(out, section(11, vec(data))...)
	return out
}
