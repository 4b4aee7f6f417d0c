package pollfix

import "fmt"

// The "name" custom section (WebAssembly Core Specification 2.0, Appendix 7.4): subsections
// of (id, size, contents); subsection 1 maps function indices, in increasing order, to names.
const nameSubFunctions = 1

type nameSub struct {
	id        byte
	sizeWidth int
	contents  []byte
}

func (m *module) nameSubsections() ([]nameSub, error) {
	if m.nameIndex < 0 {
		return nil, nil
	}
	r := &reader{b: m.sections[m.nameIndex].payload}
	r.name()
	var subs []nameSub
	for !r.done() {
		id := r.byte()
		before := r.off
		size := r.u32()
		width := r.off - before // read before r.bytes moves r.off
		s := nameSub{id: id, sizeWidth: width, contents: r.bytes(size)}
		subs = append(subs, s)
	}
	if r.err != nil {
		return nil, fmt.Errorf("name section: %w", r.err)
	}
	return subs, nil
}

// functionNames decodes subsection 1, checking that its indices increase.
func functionNames(contents []byte) ([]uint32, []string, error) {
	r := &reader{b: contents}
	var idx []uint32
	var names []string
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		i, name := r.u32(), r.name()
		if r.err == nil && len(idx) > 0 && i <= idx[len(idx)-1] {
			r.fail("function names out of order at index %d", i)
		}
		idx, names = append(idx, i), append(names, name)
	}
	if r.err == nil && r.off != len(r.b) {
		r.fail("%d trailing bytes in the function names", len(r.b)-r.off)
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("name section: %w", r.err)
	}
	return idx, names, nil
}

// functionName is function fn's name, or "" when the module names none.
func (m *module) functionName(fn uint32) (string, error) {
	subs, err := m.nameSubsections()
	if err != nil {
		return "", err
	}
	for _, s := range subs {
		if s.id != nameSubFunctions {
			continue
		}
		idx, names, err := functionNames(s.contents)
		if err != nil {
			return "", err
		}
		for i, x := range idx {
			if x == fn {
				return names[i], nil
			}
		}
	}
	return "", nil
}

// nameSection returns the name section with the stub's name appended to the function
// names (the stub has the highest index, so order is kept); other subsections are copied.
func (m *module) nameSection(stub uint32) ([]byte, error) {
	subs, err := m.nameSubsections()
	if err != nil {
		return nil, err
	}
	out := appendName(nil, "name")
	for _, s := range subs {
		contents := s.contents
		if s.id == nameSubFunctions {
			idx, _, err := functionNames(contents)
			if err != nil {
				return nil, err
			}
			r := &reader{b: contents}
			r.u32()
			nc := appendSameWidth(nil, uint64(len(idx))+1, r.off)
			nc = append(nc, contents[r.off:]...)
			nc = appendULEB(nc, uint64(stub), 0)
			contents = appendName(nc, stubName)
		}
		out = append(out, s.id)
		out = appendSameWidth(out, uint64(len(contents)), s.sizeWidth)
		out = append(out, contents...)
	}
	return out, nil
}
