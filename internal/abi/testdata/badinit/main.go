// Command badinit is a deliberately non-conforming plugin for the e2e host's tests: it makes
// a proxy hostcall other than proxy_log inside init(), which runs in _initialize, where
// Envoy (V8) traps every hostcall but logging. Envoy refuses to load it; so must our host.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/abi"
)

func main() {}

func init() {
	abi.SetVMContext(&types.DefaultVMContext{})
	_ = abi.SetTickPeriodMilliSeconds(1000)
}
