package abi

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestRegressionHostcallOutParametersOnHeap: the binding's hostcalls took the address of
// their out-parameters (ptr, size, the clock's reading) and passed it to a //go:wasmimport
// function without //go:noescape, so the compiler moved each of them to the heap: three
// allocations per cached request in wasm that no native test could see (natively the SDK's
// emulator serves the hostcalls). The compiler's escape analysis of the wasm build is the
// witness: no variable of this package may be moved to the heap.
func TestRegressionHostcallOutParametersOnHeap(t *testing.T) {
	cmd := exec.Command("go", "build", "-gcflags=-m", "-o", os.DevNull, ".")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`wasip1_hostcalls\.go:\d+:\d+: can inline`).Match(out) {
		t.Fatalf("no escape-analysis output for wasip1_hostcalls.go (did the build target wasm?):\n%.2000s", out)
	}
	for _, m := range regexp.MustCompile(`(?m)^\S*wasip1_\w+\.go:\d+:\d+: moved to heap: .*$`).FindAll(out, -1) {
		t.Errorf("%s", m)
	}
}
