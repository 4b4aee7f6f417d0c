//go:build wasip1

package abi

import "unsafe"

// Imports of the proxy-wasm ABI 0.2.0 from module "env" (spec abi-versions/v0.2.1; Go SDK
// abi_hostcalls.go lists the same signatures). Every parameter is an i32 except the i64 metric
// values; pointers are 32-bit wasm addresses and every out-parameter is written by the host as
// exactly 4 bytes (8 for time and metric values), docs/host.md#conventions-and-status-codes. Only
// the imports that are referenced end up in the module (dead-code elimination), so the module links
// on every Envoy ≥ 1.33.
//
// Every import that takes a pointer is //go:noescape, as the runtime's own WASI imports are
// (runtime/os_wasip1.go): the host reads inputs and writes out-parameters during the call and
// keeps no address after it returns (cpp-host copies in and out of linear memory,
// src/exports.cc). Without it the compiler must assume the pointer escapes, and every
// out-parameter (the clock's reading, a header map's address and size) is a heap allocation
// on each hostcall, three per cached request (issue 19); the wasm build's escape analysis is
// checked by TestRegressionHostcallOutParametersOnHeap.

//go:wasmimport env proxy_log
//go:noescape
func proxyLog(level uint32, msg unsafe.Pointer, msgLen uint32) uint32

//go:wasmimport env proxy_set_tick_period_milliseconds
func proxySetTickPeriodMilliseconds(period uint32) uint32

//go:wasmimport env proxy_get_current_time_nanoseconds
//go:noescape
func proxyGetCurrentTimeNanoseconds(out unsafe.Pointer) uint32

//go:wasmimport env proxy_get_buffer_bytes
//go:noescape
func proxyGetBufferBytes(bufferType, start, maxSize uint32, outPtr, outLen unsafe.Pointer) uint32

//go:wasmimport env proxy_get_header_map_value
//go:noescape
func proxyGetHeaderMapValue(mapType uint32, key unsafe.Pointer, keyLen uint32, outPtr, outLen unsafe.Pointer) uint32

//go:wasmimport env proxy_get_header_map_pairs
//go:noescape
func proxyGetHeaderMapPairs(mapType uint32, outPtr, outLen unsafe.Pointer) uint32

//go:wasmimport env proxy_add_header_map_value
//go:noescape
func proxyAddHeaderMapValue(mapType uint32, key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32) uint32

//go:wasmimport env proxy_replace_header_map_value
//go:noescape
func proxyReplaceHeaderMapValue(mapType uint32, key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32) uint32

//go:wasmimport env proxy_remove_header_map_value
//go:noescape
func proxyRemoveHeaderMapValue(mapType uint32, key unsafe.Pointer, keyLen uint32) uint32

//go:wasmimport env proxy_send_local_response
//go:noescape
func proxySendLocalResponse(status uint32, details unsafe.Pointer, detailsLen uint32, body unsafe.Pointer, bodyLen uint32,
	headers unsafe.Pointer, headersLen uint32, grpcStatus int32) uint32

//go:wasmimport env proxy_continue_stream
func proxyContinueStream(streamType uint32) uint32

//go:wasmimport env proxy_http_call
//go:noescape
func proxyHttpCall(upstream unsafe.Pointer, upstreamLen uint32, headers unsafe.Pointer, headersLen uint32,
	body unsafe.Pointer, bodyLen uint32, trailers unsafe.Pointer, trailersLen uint32, timeoutMillis uint32,
	outToken unsafe.Pointer) uint32

//go:wasmimport env proxy_get_property
//go:noescape
func proxyGetProperty(path unsafe.Pointer, pathLen uint32, outPtr, outLen unsafe.Pointer) uint32

//go:wasmimport env proxy_set_property
//go:noescape
func proxySetProperty(path unsafe.Pointer, pathLen uint32, value unsafe.Pointer, valueLen uint32) uint32

//go:wasmimport env proxy_get_shared_data
//go:noescape
func proxyGetSharedData(key unsafe.Pointer, keyLen uint32, outPtr, outLen, outCas unsafe.Pointer) uint32

//go:wasmimport env proxy_set_shared_data
//go:noescape
func proxySetSharedData(key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32, cas uint32) uint32

//go:wasmimport env proxy_define_metric
//go:noescape
func proxyDefineMetric(metricType uint32, name unsafe.Pointer, nameLen uint32, outID unsafe.Pointer) uint32

//go:wasmimport env proxy_increment_metric
func proxyIncrementMetric(id uint32, delta int64) uint32

//go:wasmimport env proxy_record_metric
func proxyRecordMetric(id uint32, value uint64) uint32

//go:wasmimport env proxy_set_effective_context
func proxySetEffectiveContext(id uint32) uint32
