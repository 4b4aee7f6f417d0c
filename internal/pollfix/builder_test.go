package pollfix

// A small encoder of WebAssembly modules, for building the test modules this package's tests
// rewrite and the modules they expect back. Sizes are minimal LEB128 unless a test pads them.

type testImport struct {
	module, field string
	typ           uint32
}

type testFunc struct {
	typ  uint32
	body []byte // locals and instructions, without the size
	name string
}

type testModule struct {
	types   []funcType
	imports []testImport
	funcs   []testFunc
	memory  bool
	exports []testExport
	elems   []uint32 // one active segment at offset 0 of table 0
	names   bool     // write a name section with the functions' names
	// raw sections appended after all others (id, payload), e.g. a custom section
	extra [][2][]byte
	// reorder: write the code section before the function section
	codeFirst bool
}

type testExport struct {
	name string
	fn   uint32
}

func leb(v uint64) []byte { return appendULEB(nil, v, 0) }

func vec(n int, items ...[]byte) []byte {
	b := leb(uint64(n))
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

func str(s string) []byte { return appendName(nil, s) }

func sec(id byte, payload []byte) []byte {
	return append(append([]byte{id}, leb(uint64(len(payload)))...), payload...)
}

var i32x4toi32 = funcType{params: []byte{valI32, valI32, valI32, valI32}, results: []byte{valI32}}

func (m testModule) encode() []byte {
	out := append([]byte(nil), wasmHeader...)
	var types [][]byte
	for _, t := range m.types {
		types = append(types, append(append([]byte{0x60}, vec(len(t.params), t.params)...), vec(len(t.results), t.results)...))
	}
	out = append(out, sec(secType, vec(len(types), types...))...)
	var imps [][]byte
	for _, im := range m.imports {
		imps = append(imps, append(append(append(str(im.module), str(im.field)...), 0x00), leb(uint64(im.typ))...))
	}
	out = append(out, sec(secImport, vec(len(imps), imps...))...)
	var fidx, bodies [][]byte
	for _, f := range m.funcs {
		fidx = append(fidx, leb(uint64(f.typ)))
		bodies = append(bodies, append(leb(uint64(len(f.body))), f.body...))
	}
	fsec := sec(secFunction, vec(len(fidx), fidx...))
	csec := sec(secCode, vec(len(bodies), bodies...))
	if !m.codeFirst {
		out = append(out, fsec...)
	}
	if len(m.elems) > 0 {
		out = append(out, sec(secTable, []byte{1, 0x70, 0x00, byte(len(m.elems))})...)
	}
	if m.memory {
		out = append(out, sec(secMemory, []byte{1, 0x00, 1})...)
	}
	if len(m.exports) > 0 {
		var exps [][]byte
		for _, e := range m.exports {
			exps = append(exps, append(append(str(e.name), 0x00), leb(uint64(e.fn))...))
		}
		out = append(out, sec(secExport, vec(len(exps), exps...))...)
	}
	if len(m.elems) > 0 {
		var idx [][]byte
		for _, f := range m.elems {
			idx = append(idx, leb(uint64(f)))
		}
		seg := append([]byte{0x00, 0x41, 0x00, 0x0b}, vec(len(idx), idx...)...)
		out = append(out, sec(secElement, vec(1, seg))...)
	}
	if m.codeFirst {
		out = append(out, csec...)
		out = append(out, fsec...)
	} else {
		out = append(out, csec...)
	}
	if m.names {
		var entries [][]byte
		for i, f := range m.funcs {
			if f.name != "" {
				entries = append(entries, append(leb(uint64(len(m.imports)+i)), str(f.name)...))
			}
		}
		sub := vec(len(entries), entries...)
		payload := append(str("name"), nameSubFunctions)
		payload = append(append(payload, leb(uint64(len(sub)))...), sub...)
		out = append(out, sec(secCustom, payload)...)
	}
	for _, e := range m.extra {
		out = append(out, sec(e[0][0], e[1])...)
	}
	return out
}

// Instruction snippets.
func localGet(i byte) []byte { return []byte{0x20, i} }
func call(f uint32) []byte   { return append([]byte{opCall}, leb(uint64(f))...) }

func fnBody(instrs ...[]byte) []byte {
	b := []byte{0x00} // no locals
	for _, in := range instrs {
		b = append(b, in...)
	}
	return append(b, opEnd)
}

// wrapperBody is what Go's compiler emits for a wasmimport in essence: pass the arguments on
// and return the import's result.
func wrapperBody(target uint32) []byte {
	return fnBody(localGet(0), localGet(1), localGet(2), localGet(3), call(target))
}

// baseModule: fd_write (0) and poll_oneoff (1) imported; function 2 is the runtime's wrapper
// calling poll_oneoff, function 3 calls the wrapper and fd_write.
func baseModule() testModule {
	return testModule{
		types: []funcType{i32x4toi32, {}},
		imports: []testImport{
			{importModule, "fd_write", 0},
			{importModule, importField, 0},
		},
		funcs: []testFunc{
			{typ: 0, body: wrapperBody(1), name: "runtime.poll_oneoff"},
			{typ: 1, body: fnBody(
				[]byte{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00}, call(2), []byte{0x1a},
				[]byte{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00}, call(0), []byte{0x1a}), name: "main"},
		},
		memory: true,
		names:  true,
	}
}
