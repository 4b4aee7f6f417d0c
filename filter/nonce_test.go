package filter

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"
)

// TestVMNonceOddAndDistinct: the lease owner nonce is never the zero "no owner" and two VMs
// draw different ones (64 draws).
func TestVMNonceOddAndDistinct(t *testing.T) {
	seen := map[uint64]bool{}
	for i := 0; i < 64; i++ {
		n := newVMNonce()
		if n&1 == 0 {
			t.Fatalf("nonce %#x is even", n)
		}
		if seen[n] {
			t.Fatalf("nonce %#x drawn twice", n)
		}
		seen[n] = true
	}
}

// TestRegressionCryptoRandArmsATimer pins why no code of the plugin calls crypto/rand: its
// first use arms a runtime timer (crypto/internal/sysrand's 60 s warning), which switches on
// Go's netpoller and so brings poll_oneoff calls after every collection, fatal on hosts
// before proxy-wasm-cpp-host #533 (issue 14). The VM nonce was the only use.
func TestRegressionCryptoRandArmsATimer(t *testing.T) {
	for _, dir := range []string{"..", ".", "../config", "../jwtverify", "../internal/abi"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if matched, _ := filepath.Match("*_test.go", filepath.Base(f)); matched {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				if path, _ := strconv.Unquote(imp.Path.Value); path == "crypto/rand" {
					t.Errorf("%s imports crypto/rand", f)
				}
			}
		}
	}
}
