package e2e

import (
	"bytes"
	"testing"
)

// TestModuleSize pins issue 18's size bar: the shipped module is at most 6.5 MB, and the
// packages cut to keep it there stay out (docs/performance.md, module size). A linked
// package leaves its function names in the module (name section and the runtime's
// function table), so their absence shows it is not linked.
func TestModuleSize(t *testing.T) {
	code := wasmCode(t, "JWTGUARD_WASM", ".")
	if len(code) > 6_500_000 {
		t.Errorf("module is %d bytes, over 6.5 MB: e2e/cmd/wasmsize says what grew", len(code))
	}
	for _, pkg := range []string{
		"crypto/rsa.",    // the wasm build verifies RSA with jwtverify's rsaModulus
		"net/url.",       // filter/uri.go parses jwks_uri
		"net/netip.",     // came with net/url
		"encoding/json.", // gjson's @pretty, replaced by internal/gjsonpretty
	} {
		if bytes.Contains(code, []byte(pkg)) {
			t.Errorf("the module links %s", pkg[:len(pkg)-1])
		}
	}
}
