package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

func main() {
	ctx := context.Background()
	code, _ := os.ReadFile(os.Args[1])
	rt := wazero.NewRuntime(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	m, err := rt.InstantiateWithConfig(ctx, code, wazero.NewModuleConfig().WithStdout(os.Stdout).WithStderr(os.Stderr).WithArgs("churn", os.Args[2]).WithStartFunctions())
	if err != nil {
		panic(err)
	}
	_, err = m.ExportedFunction("_start").Call(ctx)
	fmt.Println("linear memory MiB", float64(m.Memory().Size())/(1<<20), err)
}
