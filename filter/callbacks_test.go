package filter

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestStreamImplementsOnlyBoundCallbacks: the wasm binding exports only the stream callbacks
// the filter implements (internal/abi/wasip1_exports.go), because the host calls every
// exported callback into the reactor on every request. A stream method for another callback
// would compile, and pass every native test, and never be called in Envoy.
func TestStreamImplementsOnlyBoundCallbacks(t *testing.T) {
	bound := map[string]bool{"OnHttpRequestHeaders": true, "OnHttpStreamDone": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !strings.HasPrefix(fn.Name.Name, "OnHttp") || receiverName(fn) != "stream" {
				continue
			}
			seen[fn.Name.Name] = true
			if !bound[fn.Name.Name] {
				t.Errorf("%s: (*stream).%s is a callback the wasm binding does not export", fset.Position(fn.Pos()), fn.Name.Name)
			}
		}
	}
	for name := range bound {
		if !seen[name] {
			t.Errorf("(*stream).%s not found: the test no longer reads the stream's methods", name)
		}
	}
}

func receiverName(fn *ast.FuncDecl) string {
	typ := fn.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
