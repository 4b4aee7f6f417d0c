// Command x509guest links crypto/x509, whose root-store loading imports WASI functions
// (path_filestat_get, …) that Envoys before proxy-wasm-cpp-host #533 lack. The e2e host's
// tests check that the pre-#533 profile refuses it as Envoy would, and #533+ loads it.
package main

import (
	"crypto/x509"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/abi"
)

func main() {}

func init() { abi.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) OnPluginStart(int) types.OnPluginStartStatus {
	if _, err := x509.SystemCertPool(); err != nil {
		abi.LogInfo("no system roots: " + err.Error())
	}
	return types.OnPluginStartStatusOK
}
