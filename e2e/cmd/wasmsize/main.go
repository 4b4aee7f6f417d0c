// Command wasmsize shows what a Go wasm module's size is made of: the bytes of function
// bodies (code section) per Go package, taken from the name section, and the data section.
// It answers "what does each dependency cost" for issue 8's size target.
//
//	go run ./cmd/wasmsize ../build/jwtguard.wasm
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize FILE.wasm")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := report(b); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func uleb(b []byte) (uint64, int) { return binary.Uvarint(b) } // LEB128 unsigned is Uvarint

func report(b []byte) error {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) {
		return errors.New("not a wasm module")
	}
	sections := map[string]int{}
	var bodies []int // body size per defined function
	imported := 0
	names := map[int]string{}
	for p := 8; p < len(b); {
		id := b[p]
		size, n := uleb(b[p+1:])
		if n <= 0 {
			return errors.New("bad section size")
		}
		start := p + 1 + n
		end := start + int(size)
		if end > len(b) {
			return errors.New("section past the end")
		}
		body := b[start:end]
		switch id {
		case 2: // imports: count the function imports (they shift function indices)
			count, q := uleb(body)
			for i := uint64(0); i < count; i++ {
				for j := 0; j < 2; j++ { // module, name
					l, m := uleb(body[q:])
					q += m + int(l)
				}
				kind := body[q]
				q++
				switch kind {
				case 0:
					imported++
					_, m := uleb(body[q:])
					q += m
				case 1: // table: reftype, limits
					q++
					q += skipLimits(body[q:])
				case 2:
					q += skipLimits(body[q:])
				case 3:
					q += 2
				}
			}
			sections["import"] += len(body)
		case 10:
			count, q := uleb(body)
			for i := uint64(0); i < count; i++ {
				l, m := uleb(body[q:])
				bodies = append(bodies, int(l))
				q += m + int(l)
			}
			sections["code"] += len(body)
		case 11:
			sections["data"] += len(body)
		case 0:
			l, m := uleb(body)
			name := string(body[m : m+int(l)])
			sections["custom "+name] += len(body)
			if name == "name" {
				parseNames(body[m+int(l):], names)
			}
		default:
			sections[fmt.Sprintf("section %d", id)] += len(body)
		}
		p = end
	}
	fmt.Printf("file %d bytes\n", len(b))
	printSorted("sections", sections, 0)
	perPkg := map[string]int{}
	for i, size := range bodies {
		perPkg[pkgOf(names[imported+i])] += size
	}
	printSorted("code by package (function bodies)", perPkg, 40)
	return nil
}

func skipLimits(b []byte) int {
	flag := b[0]
	_, n := uleb(b[1:])
	q := 1 + n
	if flag&1 == 1 {
		_, n = uleb(b[q:])
		q += n
	}
	return q
}

// parseNames reads the function-names subsection (id 1) of the name section.
func parseNames(b []byte, out map[int]string) {
	for len(b) > 0 {
		id := b[0]
		size, n := uleb(b[1:])
		sub := b[1+n : 1+n+int(size)]
		b = b[1+n+int(size):]
		if id != 1 {
			continue
		}
		count, q := uleb(sub)
		for i := uint64(0); i < count; i++ {
			idx, m := uleb(sub[q:])
			q += m
			l, m := uleb(sub[q:])
			q += m
			out[int(idx)] = string(sub[q : q+int(l)])
			q += int(l)
		}
	}
}

// pkgOf maps a function name of Go's wasm name section, where a package path's slashes
// are underscores ("crypto_internal_fips140_rsa.VerifyPKCS1v15",
// "github.com_tidwall_gjson.Get", "type_.eq.x.T"), to that package path's name form.
func pkgOf(sym string) string {
	if sym == "" {
		return "(unnamed)"
	}
	s := strings.TrimPrefix(sym, "type_.eq.")
	skip := 0
	for _, domain := range []string{".com_", ".org_", ".io_", ".in_"} {
		if j := strings.Index(s, domain); j >= 0 && j == strings.IndexByte(s, '.') {
			skip = j + len(domain)
		}
	}
	dot := strings.IndexByte(s[skip:], '.')
	if dot < 0 {
		return s
	}
	return s[:skip+dot]
}

func printSorted(title string, m map[string]int, limit int) {
	type kv struct {
		k string
		v int
	}
	var list []kv
	total := 0
	for k, v := range m {
		list = append(list, kv{k, v})
		total += v
	}
	sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v })
	fmt.Printf("\n%s (total %d bytes)\n", title, total)
	for i, e := range list {
		if limit > 0 && i == limit {
			rest := 0
			for _, r := range list[i:] {
				rest += r.v
			}
			fmt.Printf("%10d  (%d more)\n", rest, len(list)-i)
			break
		}
		fmt.Printf("%10d  %s\n", e.v, e.k)
	}
}
