// Command wasiexec runs a wasip1 program (a test binary built by GOOS=wasip1 go test) in
// wazero with the compiler engine, the host's file system mounted at / and the environment
// inherited, so that `go test -exec build/wasiexec` runs a package's tests in wasm: make
// test-wasm-vectors runs jwtverify's vector tests there, in the default build (rsaModulus)
// and with -tags jwtguard_stdcrypto (crypto/rsa).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wasiexec PROGRAM.wasm [ARGS...]")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1], os.Args[2:]))
}

func run(path string, args []string) int {
	code, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	wd, _ := os.Getwd()
	cfg := wazero.NewModuleConfig().WithArgs(append([]string{path}, args...)...).
		WithStdout(os.Stdout).WithStderr(os.Stderr).WithStdin(os.Stdin).
		WithFSConfig(wazero.NewFSConfig().WithDirMount("/", "/")).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().WithRandSource(randReader{})
	for _, kv := range os.Environ() {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				cfg = cfg.WithEnv(kv[:i], kv[i+1:])
				break
			}
		}
	}
	cfg = cfg.WithEnv("PWD", wd)
	_, err = rt.InstantiateWithConfig(ctx, code, cfg)
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return int(exit.ExitCode())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
