// Package abi is jwtguard's seam between the filter and a proxy-wasm host.
//
// The filter is written once against the SDK's types interfaces (types.VMContext,
// types.PluginContext, types.HttpContext) and against the functions of this package. Two
// builds implement those functions:
//
//   - natively (!wasip1) they delegate to github.com/tetratelabs/proxy-wasm-go-sdk's proxywasm
//     package, whose hostcalls under the gc compiler go to the SDK's proxytest emulator: that is
//     how unit tests run;
//   - under GOOS=wasip1 they are our own Go 1.24 binding: //go:wasmimport env.proxy_* imports
//     and //go:wasmexport proxy_on_* callbacks, because SDK v0.24.0 only binds under TinyGo.
//
// The binding exports the ABI marker proxy_abi_version_0_2_0 (the one the SDKs export): every
// import used here exists in 0.2.0, and proxy_get_log_level, which only 0.2.1 registers, is
// not imported (docs/host.md#loading-and-linking).
package abi
