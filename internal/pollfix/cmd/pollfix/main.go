// Command pollfix redirects a Go wasip1 module's call to wasi_snapshot_preview1.poll_oneoff
// to a function inside the module that reports no events (see package pollfix for why).
//
//	pollfix -in build/jwtguard.raw.wasm -out build/jwtguard.wasm
//	pollfix -check build/jwtguard.wasm   # exit 0 and "rewritten" only if it is
//
// It refuses, with a message and without writing anything, any module it does not fully
// understand.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jwtguard/jwtguard/internal/pollfix"
)

func main() {
	in := flag.String("in", "", "the module to rewrite")
	out := flag.String("out", "", "where to write the rewritten module")
	check := flag.String("check", "", "only check that this module is rewritten (writes nothing)")
	flag.Parse()
	if err := run(*in, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "pollfix:", err)
		os.Exit(1)
	}
}

func run(in, out, check string) error {
	if check != "" {
		if in != "" || out != "" {
			return fmt.Errorf("-check takes no -in or -out")
		}
		code, err := os.ReadFile(check)
		if err != nil {
			return err
		}
		res, err := pollfix.Check(code)
		if err != nil {
			return fmt.Errorf("%s: %w", check, err)
		}
		fmt.Printf("%s: rewritten: %s\n", check, res)
		return nil
	}
	if in == "" || out == "" {
		return fmt.Errorf("usage: pollfix -in MODULE -out MODULE, or pollfix -check MODULE")
	}
	code, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	rewritten, res, err := pollfix.Rewrite(code)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	// Written under a temporary name and renamed, so a failed write leaves no partial module.
	tmp, err := os.CreateTemp(filepath.Dir(out), ".pollfix-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(rewritten); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	fmt.Printf("%s: %s (%d → %d bytes)\n", out, res, len(code), len(rewritten))
	return nil
}
