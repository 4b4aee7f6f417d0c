package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validModule is a module built for the purpose: poll_oneoff imported (function 0), one
// function calling it (1), a memory. Its bytes are spelled out so the command is tested on
// its own.
var validModule = []byte{
	0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00,
	0x01, 0x09, 0x01, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, // type 0: (i32 i32 i32 i32) -> i32
	0x02, 0x26, 0x01, 0x16, 'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '_',
	'p', 'r', 'e', 'v', 'i', 'e', 'w', '1', 0x0b, 'p', 'o', 'l', 'l', '_', 'o', 'n', 'e', 'o', 'f', 'f', 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00, // function 1 has type 0
	0x05, 0x03, 0x01, 0x00, 0x01, // one memory
	0x0a, 0x0e, 0x01, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x03, 0x10, 0x00, 0x0b,
}

// strayByteModule is validModule with one byte after its function's final end.
var strayByteModule = append(append([]byte(nil), validModule[:len(validModule)-16]...),
	0x0a, 0x0f, 0x01, 0x0d, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x03, 0x10, 0x00, 0x0b, 0x00)

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRun: rewriting writes the output, -check passes on it and fails on the input, and a
// refused module leaves no output file behind.
func TestRun(t *testing.T) {
	in := write(t, "in.wasm", validModule)
	out := filepath.Join(filepath.Dir(in), "out.wasm")
	if err := run(in, out, ""); err != nil {
		t.Fatal(err)
	}
	if err := run("", "", out); err != nil {
		t.Fatalf("-check of the output: %v", err)
	}
	if err := run("", "", in); err == nil || !strings.Contains(err.Error(), "not rewritten") {
		t.Fatalf("-check of the input: %v", err)
	}
	again := filepath.Join(filepath.Dir(in), "again.wasm")
	if err := run(out, again, ""); err == nil || !strings.Contains(err.Error(), "already rewritten") {
		t.Fatalf("rewriting twice: %v", err)
	}
	if _, err := os.Stat(again); !os.IsNotExist(err) {
		t.Fatalf("a refused rewrite left %s behind (%v)", again, err)
	}
	bad := write(t, "bad.wasm", strayByteModule)
	if err := run(bad, filepath.Join(filepath.Dir(bad), "bad-out.wasm"), ""); err == nil {
		t.Fatal("rewrote a module with a stray byte after a body")
	}
	entries, _ := os.ReadDir(filepath.Dir(bad))
	if len(entries) != 1 {
		t.Fatalf("refusal left files: %v", entries)
	}
	if err := run(in, "", ""); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("missing -out: %v", err)
	}
}
