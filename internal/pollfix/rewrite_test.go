package pollfix

import (
	"bytes"
	"strings"
	"testing"
)

func markerSection(imp, caller, stub string) [2][]byte {
	return [2][]byte{{secCustom}, append(str(markerName),
		"poll_oneoff import "+imp+": call in function "+caller+" redirected to function "+stub+"\n"...)}
}

// TestRewriteGolden: the rewrite of a module built for the purpose is exactly the module
// written by hand: the wrapper calls the appended function, which has the import's type,
// stores 0 at its fourth argument and returns 0, is named, and the marker section follows.
func TestRewriteGolden(t *testing.T) {
	in := baseModule().encode()
	want := baseModule()
	want.funcs[0].body = wrapperBody(4)
	want.funcs = append(want.funcs, testFunc{typ: 0, body: stubBody, name: stubName})
	want.extra = append(want.extra, markerSection("1", "2", "4"))

	out, res, err := Rewrite(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want.encode()) {
		t.Fatalf("rewrite:\n% x\nwant:\n% x", out, want.encode())
	}
	if *res != (Result{Import: 1, Caller: 2, CallerName: "runtime.poll_oneoff", Stub: 4}) {
		t.Fatalf("result %+v", res)
	}
	got, err := Check(out)
	if err != nil {
		t.Fatalf("Check of the rewrite: %v", err)
	}
	if *got != *res {
		t.Fatalf("Check found %+v, Rewrite did %+v", got, res)
	}
}

// TestRewriteDeterministic: the same input gives the same bytes, every time.
func TestRewriteDeterministic(t *testing.T) {
	in := baseModule().encode()
	first, _, err := Rewrite(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, _, err := Rewrite(bytes.Clone(in))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, first) {
			t.Fatalf("run %d differs from the first", i+2)
		}
	}
}

// TestRewriteWidths: where the new function index needs more LEB128 bytes than the old call
// target had, the body's size grows; where Go's linker padded the target to 5 bytes (R_CALL
// relocations), the index is written in the same 5 bytes and no size changes.
func TestRewriteWidths(t *testing.T) {
	many := baseModule()
	for i := 0; i < 200; i++ {
		many.funcs = append(many.funcs, testFunc{typ: 1, body: fnBody()})
	}
	padded := baseModule()
	padded.funcs[0].body = fnBody(localGet(0), localGet(1), localGet(2), localGet(3), []byte{opCall, 0x81, 0x80, 0x80, 0x80, 0x00})
	for name, tc := range map[string]struct {
		m        testModule
		stub     uint32
		sizeDiff int // of the wrapper's body
	}{"grows": {many, 204, 1}, "padded": {padded, 4, 0}} {
		t.Run(name, func(t *testing.T) {
			in := tc.m.encode()
			out, res, err := Rewrite(in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Stub != tc.stub {
				t.Fatalf("stub %d, want %d", res.Stub, tc.stub)
			}
			if _, err := Check(out); err != nil {
				t.Fatal(err)
			}
			before, _ := parse(in)
			after, _ := parse(out)
			d := len(after.code(0)) - len(before.code(0))
			if d != tc.sizeDiff {
				t.Fatalf("wrapper body grew by %d bytes, want %d", d, tc.sizeDiff)
			}
			calls, _ := after.calls(0)
			if len(calls) != 1 || calls[0].index != tc.stub {
				t.Fatalf("wrapper calls %+v, want one call to %d", calls, tc.stub)
			}
		})
	}
}

// everyImmediate is a body using each instruction class whose immediates the walker must
// skip exactly; a mistake would misalign the decoding and hide or invent the call after it.
func everyImmediate() []byte {
	return fnBody(
		[]byte{0x02, 0x40, 0x0b},                                                                   // block (empty)
		[]byte{0x03, 0x7f, 0x41, 0x00, 0x0b, 0x1a},                                                 // loop (result i32); drop
		[]byte{0x02, 0x01, 0x0b},                                                                   // block with a type index (s33)
		[]byte{0x41, 0x01, 0x04, 0x40, 0x01, 0x05, 0x01, 0x0b},                                     // if/else
		[]byte{0x02, 0x40, 0x41, 0x00, 0x0e, 0x02, 0x00, 0x00, 0x00, 0x0b},                         // br_table
		[]byte{0x02, 0x40, 0x41, 0x00, 0x0d, 0x00, 0x0c, 0x00, 0x0b},                               // br_if, br
		[]byte{0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x1a},                                           // i32.const min int32
		[]byte{0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, 0x1a},             // i64.const min int64
		[]byte{0x43, 0x10, 0x10, 0x10, 0x10, 0x1a},                                                 // f32.const (bytes look like opcodes)
		[]byte{0x44, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1a},                         // f64.const
		[]byte{0x41, 0x00, 0x29, 0x03, 0x90, 0x4e, 0x1a},                                           // i64.load align=3 offset=10000
		[]byte{0x41, 0x00, 0x41, 0x00, 0x36, 0x02, 0x00},                                           // i32.store
		[]byte{0x3f, 0x00, 0x40, 0x00, 0x1a},                                                       // memory.size, memory.grow
		[]byte{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0a, 0x00, 0x00},                         // memory.copy
		[]byte{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0b, 0x00},                               // memory.fill
		[]byte{0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0x06, 0x1a},                                     // i64.trunc_sat_f64_s
		[]byte{0x41, 0x00, 0xc0, 0x1a},                                                             // i32.extend8_s
		[]byte{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x1c, 0x01, 0x7f, 0x1a},                         // select (typed)
		[]byte{0x23, 0x00, 0x24, 0x00},                                                             // global.get, global.set
		[]byte{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x1a}, // call_indirect
		[]byte{0xd0, 0x70, 0xd1, 0x1a},                                                             // ref.null func, ref.is_null
	)
}

// TestRewriteFindsTheCallAfterEveryInstructionKind: the call is found after a body of every
// immediate kind Go's compiler emits, and a call hidden in an f64 constant's bytes is not.
func TestRewriteFindsTheCallAfterEveryInstructionKind(t *testing.T) {
	m := baseModule()
	m.types = append(m.types, funcType{results: []byte{valI32}})
	long := everyImmediate()
	m.funcs = append(m.funcs, testFunc{typ: 1, body: long})
	// The wrapper too: the instructions, then its call.
	m.funcs[0].body = append(long[:len(long)-1:len(long)-1], wrapperBody(1)[1:]...)
	out, res, err := Rewrite(m.encode())
	if err != nil {
		t.Fatal(err)
	}
	if res.Caller != 2 {
		t.Fatalf("caller %d, want 2", res.Caller)
	}
	if _, err := Check(out); err != nil {
		t.Fatal(err)
	}
}

// TestRewriteRefuses: every module the rewrite does not fully understand is refused with a
// message naming why, and no output.
func TestRewriteRefuses(t *testing.T) {
	mod := func(f func(*testModule)) []byte {
		m := baseModule()
		f(&m)
		return m.encode()
	}
	rewritten, _, err := Rewrite(baseModule().encode())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"not wasm", []byte("\x7fELF\x02\x01\x01\x00"), "not a WebAssembly"},
		{"truncated", baseModule().encode()[:40], "runs past the end"},
		{"no such import", mod(func(m *testModule) {
			m.imports[1].field = "sched_yield"
		}), "does not import wasi_snapshot_preview1.poll_oneoff"},
		{"imported twice", mod(func(m *testModule) {
			m.imports[0].field = importField
		}), "imported more than once"},
		{"wrong type", mod(func(m *testModule) {
			m.types = append(m.types, funcType{params: []byte{valI32, valI32, valI32}, results: []byte{valI32}})
			m.imports[1].typ = 2
			m.funcs[0].body = fnBody(localGet(0), localGet(1), localGet(2), call(1))
		}), "want (i32 i32 i32 i32) -> i32"},
		{"no caller", mod(func(m *testModule) {
			m.funcs[0].body = wrapperBody(0)
		}), "no function calls"},
		{"two calls in one function", mod(func(m *testModule) {
			m.funcs[0].body = fnBody(localGet(0), localGet(1), localGet(2), localGet(3), call(1), []byte{0x1a},
				localGet(0), localGet(1), localGet(2), localGet(3), call(1))
		}), "2 calls"},
		{"two callers", mod(func(m *testModule) {
			m.funcs = append(m.funcs, testFunc{typ: 0, body: wrapperBody(1)})
		}), "in functions [2 4]"},
		{"already rewritten", rewritten, "already rewritten"},
		{"rewritten without its marker", func() []byte {
			m := baseModule()
			m.funcs[0].body = wrapperBody(4)
			m.funcs = append(m.funcs, testFunc{typ: 0, body: stubBody})
			return m.encode()
		}(), "no function calls"},
		{"exported import", mod(func(m *testModule) {
			m.exports = []testExport{{"poll", 1}}
		}), "referenced by export poll"},
		{"import in a table", mod(func(m *testModule) {
			m.elems = []uint32{1}
		}), "referenced by an element segment"},
		{"ref.func of the import", mod(func(m *testModule) {
			m.funcs[1].body = fnBody([]byte{opRefFunc, 0x01, 0x1a})
		}), "ref.func"},
		{"unknown opcode", mod(func(m *testModule) {
			m.funcs[1].body = fnBody([]byte{0xfd, 0x0c}) // SIMD v128.const prefix
		}), "unknown opcode 0xfd"},
		{"unknown 0xfc opcode", mod(func(m *testModule) {
			m.funcs[1].body = fnBody([]byte{0xfc, 0x12})
		}), "unknown opcode 0xfc 18"},
		{"second memory", mod(func(m *testModule) {
			m.funcs[1].body = fnBody([]byte{0x3f, 0x01, 0x1a})
		}), "multiple memories"},
		{"body without end", mod(func(m *testModule) {
			m.funcs[1].body = []byte{0x00, 0x01}
		}), "not terminated by end"},
		{"bytes after the end", mod(func(m *testModule) {
			m.funcs[1].body = []byte{0x00, 0x0b, 0x01}
		}), "after the body's final end"},
		{"unknown section", mod(func(m *testModule) {
			m.extra = append(m.extra, [2][]byte{{13}, {0}})
		}), "unexpected section id 13"},
		{"sections out of order", mod(func(m *testModule) {
			m.codeFirst = true
		}), "out of order"},
		{"no memory", mod(func(m *testModule) {
			m.memory = false
		}), "no memory"},
		{"function names out of order", func() []byte {
			m := baseModule()
			m.names = false
			sub := vec(2, append(leb(3), str("b")...), append(leb(2), str("a")...))
			m.extra = append(m.extra, [2][]byte{{secCustom}, append(append(append(str("name"), nameSubFunctions), leb(uint64(len(sub)))...), sub...)})
			return m.encode()
		}(), "out of order"},
		{"more bodies than functions", func() []byte {
			b := baseModule().encode()
			m, _ := parse(b)
			code := m.sections[m.codeIndex].payload
			// A third empty body, and the count raised to 3.
			nc := append(append([]byte{3}, code[1:]...), 0x02, 0x00, 0x0b)
			i := bytes.Index(b, append([]byte{secCode}, leb(uint64(len(code)))...))
			return append(append(append(b[:i:i], secCode), leb(uint64(len(nc)))...), append(nc, b[i+2+len(code):]...)...)
		}(), "2 functions declared but 3 bodies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, res, err := Rewrite(tc.in)
			if err == nil {
				t.Fatalf("rewrote it: %v", res)
			}
			if out != nil || res != nil {
				t.Fatalf("refused but returned output")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestCheck: only a module the rewrite produced passes.
func TestCheck(t *testing.T) {
	raw := baseModule().encode()
	rewritten, _, err := Rewrite(raw)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(rewritten)
	i := bytes.Index(tampered, stubBody)
	tampered[i+4] = 0x01 // stores 1 instead of 0
	withoutMarker := baseModule()
	withoutMarker.funcs[0].body = wrapperBody(4)
	withoutMarker.funcs = append(withoutMarker.funcs, testFunc{typ: 0, body: stubBody})
	markerOnly := baseModule()
	markerOnly.extra = append(markerOnly.extra, markerSection("1", "2", "4"))
	for _, tc := range []struct {
		name string
		in   []byte
		want string // "" = passes
	}{
		{"rewritten", rewritten, ""},
		{"raw", raw, "no \"jwtguard.pollfix\" section"},
		{"stub altered", tampered, "not the poll_oneoff replacement"},
		{"marker missing", withoutMarker.encode(), "no \"jwtguard.pollfix\" section"},
		{"marker but call left", markerOnly.encode(), "still call"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(tc.in)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Check: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLEB128: decoding rejects over-long and overflowing encodings; padded encoding
// round-trips.
func TestLEB128(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want uint64
		err  string
	}{
		{"one byte", []byte{0x05}, 5, ""},
		{"padded", []byte{0x85, 0x80, 0x80, 0x80, 0x00}, 5, ""},
		{"max u32", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1<<32 - 1, ""},
		{"overflow", []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 0, "overflows"},
		{"too long", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, "too long"},
		{"truncated", []byte{0x80}, 0, "unexpected end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &reader{b: tc.in}
			v := r.u32()
			if tc.err != "" {
				if r.err == nil || !strings.Contains(r.err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", r.err, tc.err)
				}
				return
			}
			if r.err != nil || uint64(v) != tc.want {
				t.Fatalf("%d, %v; want %d", v, r.err, tc.want)
			}
		})
	}
	for _, w := range []int{0, 1, 3, 5} {
		b := appendULEB(nil, 100, w)
		r := &reader{b: b}
		if v := r.u32(); v != 100 || r.err != nil || r.off != len(b) || (w > 1 && len(b) != w) {
			t.Fatalf("width %d: % x decoded as %d (%v)", w, b, v, r.err)
		}
	}
}
