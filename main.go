// Command jwtguard is the proxy-wasm plugin. Build it as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o build/jwtguard.wasm .
package main

import (
	"github.com/jwtguard/jwtguard/filter"
	"github.com/jwtguard/jwtguard/internal/abi"
)

// main is never called: a c-shared wasip1 module runs init() inside _initialize.
func main() {}

// init may only register: Envoy allows nothing but logging during _initialize
// (docs/host.md#restricted-callbacks).
func init() { abi.SetVMContext(filter.NewVMContext()) }
