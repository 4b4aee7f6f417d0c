// Package pollfix rewrites a Go wasip1 module so that the Go runtime never calls the host's
// wasi_snapshot_preview1.poll_oneoff: the runtime's one call to that import is redirected to
// a function appended to the module that reports no events (stores 0 at its nevents
// argument) and succeeds — what proxy-wasm-cpp-host answers from #533 (commit 94091cd) on.
//
// Why: once a runtime timer exists, Go restarts the world after every garbage collection with
// netpoll(0), which calls poll_oneoff (runtime/netpoll_wasip1.go, startTheWorldWithSema).
// cpp-host before #533 (Envoy 1.33–1.38, Istio 1.25–1.30) answers ENOSYS, which the runtime
// treats as fatal (golang/go#78513), and V8 refuses any poll_oneoff inside
// proxy_on_memory_allocate. A Go reactor never blocks in netpoll (there is nothing to wait
// on between host callbacks), so "no events" is the right answer on every host.
//
// The import stays in the module, so no function index moves and every host still links it.
// Anything the rewrite does not fully understand is refused.
package pollfix

import (
	"bytes"
	"fmt"
)

const (
	importModule = "wasi_snapshot_preview1"
	importField  = "poll_oneoff"
	// markerName is the custom section the rewrite appends; its presence means "rewritten".
	markerName = "jwtguard.pollfix"
	// stubName is the appended function's entry in the name section (seen in stack traces).
	stubName = "jwtguard.pollfix.poll_oneoff"
)

// stubBody is the appended function: (in, out, nsubscriptions, nevents i32) -> errno i32 {
// *nevents = 0; return 0 }. No locals; i32.store has alignment 2^2 and offset 0.
var stubBody = []byte{
	0x00,       // no local declarations
	0x20, 0x03, // local.get 3 (nevents)
	0x41, 0x00, // i32.const 0
	0x36, 0x02, 0x00, // i32.store align=2 offset=0
	0x41, 0x00, // i32.const 0 (errno success)
	0x0b, // end
}

// Result describes a rewrite (or, from Check, the rewrite found in a module).
type Result struct {
	Import     uint32 // function index of the poll_oneoff import
	Caller     uint32 // function index of the one function that called it
	CallerName string // from the name section, if any
	Stub       uint32 // function index of the appended function
}

func (r *Result) String() string {
	name := ""
	if r.CallerName != "" {
		name = " (" + r.CallerName + ")"
	}
	return fmt.Sprintf("%s.%s (function %d): the call in function %d%s goes to function %d",
		importModule, importField, r.Import, r.Caller, name, r.Stub)
}

// Rewrite returns the module with the poll_oneoff call redirected, or an error and no module.
// The output depends only on the input.
func Rewrite(in []byte) ([]byte, *Result, error) {
	m, err := parse(in)
	if err != nil {
		return nil, nil, err
	}
	if m.markerIndex >= 0 {
		return nil, nil, fmt.Errorf("the module is already rewritten (it has a %q section)", markerName)
	}
	imp, err := m.pollImport()
	if err != nil {
		return nil, nil, err
	}
	sites, err := m.callsTo(imp)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case len(sites) == 0:
		return nil, nil, fmt.Errorf("no function calls %s.%s (function %d): nothing to rewrite, or rewritten without its %q section",
			importModule, importField, imp, markerName)
	case len(sites) > 1:
		return nil, nil, fmt.Errorf("%d calls to %s.%s (in functions %v): expected exactly one, in the runtime's wrapper",
			len(sites), importModule, importField, siteFuncs(m, sites))
	}
	site := sites[0]
	stub := uint64(len(m.funcImports)) + uint64(len(m.bodies))
	if stub > 1<<32-2 {
		return nil, nil, fmt.Errorf("too many functions to append one")
	}
	res := &Result{Import: imp, Caller: uint32(len(m.funcImports) + site.fn), Stub: uint32(stub)}
	res.CallerName, err = m.functionName(res.Caller)
	if err != nil {
		return nil, nil, err
	}

	replaced := map[int][]byte{
		m.funcIndex: m.functionSection(m.funcImports[imp].typ),
		m.codeIndex: m.codeSection(site, res.Stub),
	}
	if m.nameIndex >= 0 {
		if replaced[m.nameIndex], err = m.nameSection(res.Stub); err != nil {
			return nil, nil, err
		}
	}
	out := append([]byte(nil), wasmHeader...)
	for i, s := range m.sections {
		payload, ok := replaced[i]
		if !ok {
			payload = s.payload
		}
		out = append(out, s.id)
		out = appendSameWidth(out, uint64(len(payload)), s.sizeWidth)
		out = append(out, payload...)
	}
	marker := appendName(nil, markerName)
	marker = append(marker, fmt.Sprintf("poll_oneoff import %d: call in function %d redirected to function %d\n",
		res.Import, res.Caller, res.Stub)...)
	out = append(out, secCustom)
	out = appendULEB(out, uint64(len(marker)), 0)
	out = append(out, marker...)
	return out, res, nil
}

// Check reports the rewrite a module carries, or an error saying why it is not (fully)
// rewritten: the marker, no call left to the import, the appended function exactly as
// Rewrite writes it, and exactly one call to it.
func Check(in []byte) (*Result, error) {
	m, err := parse(in)
	if err != nil {
		return nil, err
	}
	if m.markerIndex < 0 {
		return nil, fmt.Errorf("not rewritten: no %q section", markerName)
	}
	imp, err := m.pollImport()
	if err != nil {
		return nil, err
	}
	if sites, err := m.callsTo(imp); err != nil {
		return nil, err
	} else if len(sites) != 0 {
		return nil, fmt.Errorf("not rewritten: functions %v still call %s.%s", siteFuncs(m, sites), importModule, importField)
	}
	last := len(m.bodies) - 1
	stub := uint32(len(m.funcImports) + last)
	if last < 0 || m.funcTypes[last] != m.funcImports[imp].typ || !bytes.Equal(m.code(last), stubBody) {
		return nil, fmt.Errorf("not rewritten: the last function is not the poll_oneoff replacement")
	}
	sites, err := m.callsTo(stub)
	if err != nil {
		return nil, err
	}
	if len(sites) != 1 {
		return nil, fmt.Errorf("not rewritten: %d calls to the replacement function %d, want 1", len(sites), stub)
	}
	res := &Result{Import: imp, Caller: uint32(len(m.funcImports) + sites[0].fn), Stub: stub}
	if res.CallerName, err = m.functionName(res.Caller); err != nil {
		return nil, err
	}
	return res, nil
}

// pollImport finds the one poll_oneoff function import and checks its type and that it is
// used only by call instructions (an export, table entry, ref.func or start would reach it
// some other way).
func (m *module) pollImport() (uint32, error) {
	idx := -1
	for i, im := range m.funcImports {
		if im.module == importModule && im.field == importField {
			if idx >= 0 {
				return 0, fmt.Errorf("%s.%s is imported more than once", importModule, importField)
			}
			idx = i
		}
	}
	if idx < 0 {
		return 0, fmt.Errorf("the module does not import %s.%s", importModule, importField)
	}
	t := m.types[m.funcImports[idx].typ]
	if !bytes.Equal(t.params, []byte{valI32, valI32, valI32, valI32}) || !bytes.Equal(t.results, []byte{valI32}) {
		return 0, fmt.Errorf("%s.%s has type %x -> %x, want (i32 i32 i32 i32) -> i32", importModule, importField, t.params, t.results)
	}
	if where, ok := m.referenced[uint32(idx)]; ok {
		return 0, fmt.Errorf("%s.%s is referenced by %s, not only called", importModule, importField, where)
	}
	if !m.hasMemory {
		return 0, fmt.Errorf("the module has no memory for the replacement to store into")
	}
	return uint32(idx), nil
}

type callSite struct {
	fn int // defined function index (0 = first body)
	in instr
}

// callsTo decodes every body and returns the calls to function idx; a ref.func of it is
// refused (the call would then be indirect).
func (m *module) callsTo(idx uint32) ([]callSite, error) {
	var sites []callSite
	for i := range m.bodies {
		ins, err := m.calls(i)
		if err != nil {
			return nil, err
		}
		for _, in := range ins {
			if in.index != idx {
				continue
			}
			if in.opcode == opRefFunc {
				return nil, fmt.Errorf("function %d takes a reference to function %d (ref.func)", len(m.funcImports)+i, idx)
			}
			sites = append(sites, callSite{fn: i, in: in})
		}
	}
	return sites, nil
}

func siteFuncs(m *module, sites []callSite) []int {
	var fs []int
	for _, s := range sites {
		fs = append(fs, len(m.funcImports)+s.fn)
	}
	return fs
}

// functionSection appends the stub's type index to the function section.
func (m *module) functionSection(typ uint32) []byte {
	old := m.sections[m.funcIndex].payload
	r := &reader{b: old}
	n := r.u32()
	out := appendSameWidth(nil, uint64(n)+1, r.off)
	out = append(out, old[r.off:]...)
	return appendULEB(out, uint64(typ), 0)
}

// codeSection redirects the call at site to stub and appends the stub's body; every other
// body is copied byte for byte.
func (m *module) codeSection(site callSite, stub uint32) []byte {
	old := m.sections[m.codeIndex].payload
	first := m.bodies[0]
	out := appendSameWidth(nil, uint64(len(m.bodies))+1, first.start-first.sizeWidth)
	b := m.bodies[site.fn]
	out = append(out, old[first.start-first.sizeWidth:b.start-b.sizeWidth]...)

	code := old[b.start:b.end]
	in := site.in
	var nb []byte
	nb = append(nb, code[:in.immOffset]...)
	nb = appendSameWidth(nb, uint64(stub), in.immWidth)
	nb = append(nb, code[in.immOffset+in.immWidth:]...)
	out = appendSameWidth(out, uint64(len(nb)), b.sizeWidth)
	out = append(out, nb...)

	out = append(out, old[b.end:]...)
	out = appendULEB(out, uint64(len(stubBody)), 0)
	return append(out, stubBody...)
}

func appendName(b []byte, s string) []byte {
	b = appendULEB(b, uint64(len(s)), 0)
	return append(b, s...)
}
