// Package pretty is jwtguard's own implementation of the four names gjson takes from
// github.com/tidwall/pretty (Options, DefaultOptions, Pretty, PrettyOptions, Ugly), which
// gjson uses only for its @pretty and @ugly path modifiers. The root go.mod replaces the
// upstream module with this one because upstream decodes strings with encoding/json, and
// gjson registers its modifiers in a map at init, so the linker can never drop them: that one
// call kept encoding/json in the plugin, 631 KB of the .wasm (issue 18). jwtguard never
// evaluates a path with a modifier (its gjson paths are constants), but the functions here
// still do what their names say, so a path that used them would get formatted JSON.
//
// Input that is not valid JSON is formatted as far as its tokens go; nothing panics.
package pretty

import "sort"

// Options control Pretty's layout.
type Options struct {
	// Width is the line length up to which an array of scalars stays on one line.
	Width int
	// Prefix starts every line.
	Prefix string
	// Indent is one level of nesting.
	Indent string
	// SortKeys orders each object's members by their key (as written, escapes included).
	SortKeys bool
}

// DefaultOptions are two-space indentation and 80 columns.
var DefaultOptions = &Options{Width: 80, Prefix: "", Indent: "  ", SortKeys: false}

// Pretty formats json with DefaultOptions.
func Pretty(json []byte) []byte { return PrettyOptions(json, nil) }

// PrettyOptions formats json: one member or element per line, nested values indented, a
// newline at the end.
func PrettyOptions(json []byte, opts *Options) []byte {
	if opts == nil {
		opts = DefaultOptions
	}
	p := &printer{opts: opts, in: Ugly(json)}
	p.out = append(p.out, opts.Prefix...)
	for p.pos < len(p.in) {
		p.value(0)
	}
	if len(p.out) > len(opts.Prefix) {
		p.out = append(p.out, '\n')
	}
	return p.out
}

// Ugly removes every space, tab, CR and LF outside strings.
func Ugly(json []byte) []byte {
	out := make([]byte, 0, len(json))
	for i := 0; i < len(json); i++ {
		c := json[i]
		if c == '"' {
			end := stringEnd(json, i)
			out = append(out, json[i:end]...)
			i = end - 1
			continue
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			out = append(out, c)
		}
	}
	return out
}

// stringEnd is the index just after the string starting at json[i] == '"' (or len(json)
// when it is not closed).
func stringEnd(json []byte, i int) int {
	for j := i + 1; j < len(json); j++ {
		switch json[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(json)
}

// scalarEnd is the index just after the scalar (string, number, literal) at json[i].
func scalarEnd(json []byte, i int) int {
	if json[i] == '"' {
		return stringEnd(json, i)
	}
	j := i
	for j < len(json) && json[j] != ',' && json[j] != ':' && json[j] != ']' && json[j] != '}' && json[j] != '[' && json[j] != '{' {
		j++
	}
	if j == i {
		j++ // a stray ',' ':' or closing bracket: one byte, copied as is
	}
	return j
}

type printer struct {
	opts *Options
	in   []byte
	pos  int
	out  []byte
}

func (p *printer) newline(depth int) {
	p.out = append(p.out, '\n')
	p.out = append(p.out, p.opts.Prefix...)
	for i := 0; i < depth; i++ {
		p.out = append(p.out, p.opts.Indent...)
	}
}

// value formats the value at p.pos, which starts at nesting depth.
func (p *printer) value(depth int) {
	switch p.in[p.pos] {
	case '{':
		p.object(depth)
	case '[':
		p.array(depth)
	default:
		end := scalarEnd(p.in, p.pos)
		p.out = append(p.out, p.in[p.pos:end]...)
		p.pos = end
	}
}

// member is one formatted object member, kept apart when the keys are sorted.
type member struct{ key, text []byte }

func (p *printer) object(depth int) {
	p.pos++ // '{'
	var members []member
	for p.pos < len(p.in) && p.in[p.pos] != '}' {
		if p.in[p.pos] == ',' {
			p.pos++
			continue
		}
		keyEnd := scalarEnd(p.in, p.pos)
		key := p.in[p.pos:keyEnd]
		p.pos = keyEnd
		saved := p.out
		p.out = nil
		p.out = append(p.out, key...)
		if p.pos < len(p.in) && p.in[p.pos] == ':' {
			p.pos++
			p.out = append(p.out, ':', ' ')
			if p.pos < len(p.in) && p.in[p.pos] != ',' && p.in[p.pos] != '}' {
				p.value(depth + 1)
			}
		}
		members = append(members, member{key: key, text: p.out})
		p.out = saved
	}
	p.pos++ // '}'
	if p.opts.SortKeys {
		sort.SliceStable(members, func(i, j int) bool { return string(members[i].key) < string(members[j].key) })
	}
	p.out = append(p.out, '{')
	for i, m := range members {
		if i > 0 {
			p.out = append(p.out, ',')
		}
		p.newline(depth + 1)
		p.out = append(p.out, m.text...)
	}
	if len(members) > 0 {
		p.newline(depth)
	}
	p.out = append(p.out, '}')
}

func (p *printer) array(depth int) {
	start := p.pos
	if end, ok := p.flatArrayEnd(); ok && end-start+len(p.opts.Indent)*depth+len(p.opts.Prefix) <= p.opts.Width {
		// An array of scalars that fits stays on one line: [1, 2, 3].
		p.pos++
		p.out = append(p.out, '[')
		for p.pos < end-1 {
			if p.in[p.pos] == ',' {
				p.out = append(p.out, ',', ' ')
				p.pos++
				continue
			}
			e := scalarEnd(p.in, p.pos)
			p.out = append(p.out, p.in[p.pos:e]...)
			p.pos = e
		}
		p.out = append(p.out, ']')
		p.pos = end
		return
	}
	p.pos++ // '['
	p.out = append(p.out, '[')
	n := 0
	for p.pos < len(p.in) && p.in[p.pos] != ']' {
		if p.in[p.pos] == ',' {
			p.pos++
			continue
		}
		if n > 0 {
			p.out = append(p.out, ',')
		}
		p.newline(depth + 1)
		p.value(depth + 1)
		n++
	}
	p.pos++ // ']'
	if n > 0 {
		p.newline(depth)
	}
	p.out = append(p.out, ']')
}

// flatArrayEnd reports whether the array at p.pos holds only scalars, and the index after it.
func (p *printer) flatArrayEnd() (int, bool) {
	for i := p.pos + 1; i < len(p.in); {
		switch p.in[i] {
		case ']':
			return i + 1, true
		case '[', '{', ':', '}':
			return 0, false
		case ',':
			i++
		default:
			i = scalarEnd(p.in, i)
		}
	}
	return 0, false
}
