//go:build !wasip1

package abi

import (
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// The native build delegates to the SDK, whose hostcalls (under the gc compiler) reach the
// proxytest emulator: filter unit tests run the same code that the wasm build runs.

func SetVMContext(vm types.VMContext) { proxywasm.SetVMContext(vm) }

func LogInfo(msg string)     { proxywasm.LogInfo(msg) }
func LogWarn(msg string)     { proxywasm.LogWarn(msg) }
func LogError(msg string)    { proxywasm.LogError(msg) }
func LogCritical(msg string) { proxywasm.LogCritical(msg) }

func GetPluginConfiguration() ([]byte, error) { return proxywasm.GetPluginConfiguration() }

func SetTickPeriodMilliSeconds(ms uint32) error { return proxywasm.SetTickPeriodMilliSeconds(ms) }

// Now is the host's wall clock. The SDK has no binding for proxy_get_current_time_nanoseconds,
// so natively this is the process clock.
func Now() time.Time { return time.Now() }

func GetHttpRequestHeader(key string) (string, error) { return proxywasm.GetHttpRequestHeader(key) }
func GetHttpRequestHeaders() ([][2]string, error)     { return proxywasm.GetHttpRequestHeaders() }

// GetHttpRequestHeadersTransient is, natively, GetHttpRequestHeaders (the wasm build reuses
// its buffers; callers must not keep the result beyond the next call in either build).
func GetHttpRequestHeadersTransient() ([][2]string, error) { return proxywasm.GetHttpRequestHeaders() }
func AddHttpRequestHeader(key, value string) error         { return proxywasm.AddHttpRequestHeader(key, value) }
func ReplaceHttpRequestHeader(key, value string) error {
	return proxywasm.ReplaceHttpRequestHeader(key, value)
}
func RemoveHttpRequestHeader(key string) error         { return proxywasm.RemoveHttpRequestHeader(key) }
func GetHttpResponseHeader(key string) (string, error) { return proxywasm.GetHttpResponseHeader(key) }

// SendHttpResponse sends a local reply. details is Envoy's response-code-details string; the
// SDK cannot pass it (it sends none), so the native build drops it and only the wasm build
// and its host see it.
func SendHttpResponse(status uint32, details string, headers [][2]string, body []byte, grpcStatus int32) error {
	_ = details
	return proxywasm.SendHttpResponse(status, headers, body, grpcStatus)
}

func ResumeHttpRequest() error { return proxywasm.ResumeHttpRequest() }

func DispatchHttpCall(cluster string, headers [][2]string, body []byte, trailers [][2]string,
	timeoutMillis uint32, callback func(numHeaders, bodySize, numTrailers int)) (uint32, error) {
	return proxywasm.DispatchHttpCall(cluster, headers, body, trailers, timeoutMillis, callback)
}

func GetHttpCallResponseHeaders() ([][2]string, error) { return proxywasm.GetHttpCallResponseHeaders() }
func GetHttpCallResponseBody(start, maxSize int) ([]byte, error) {
	return proxywasm.GetHttpCallResponseBody(start, maxSize)
}

func GetProperty(path []string) ([]byte, error)     { return proxywasm.GetProperty(path) }
func SetProperty(path []string, value []byte) error { return proxywasm.SetProperty(path, value) }

// SetPropertyString sets a one-segment property to a string value.
func SetPropertyString(name, value string) error {
	return proxywasm.SetProperty([]string{name}, []byte(value))
}

func GetSharedData(key string) ([]byte, uint32, error) { return proxywasm.GetSharedData(key) }
func SetSharedData(key string, value []byte, cas uint32) error {
	return proxywasm.SetSharedData(key, value, cas)
}

func SetEffectiveContext(id uint32) error { return proxywasm.SetEffectiveContext(id) }

// Counter is a monotonically increasing metric (Envoy counter).
type Counter struct{ m proxywasm.MetricCounter }

// Gauge is a metric that can go up and down (Envoy gauge).
type Gauge struct{ m proxywasm.MetricGauge }

func DefineCounter(name string) Counter { return Counter{proxywasm.DefineCounterMetric(name)} }
func DefineGauge(name string) Gauge     { return Gauge{proxywasm.DefineGaugeMetric(name)} }

func (c Counter) Increment(delta uint64) { c.m.Increment(delta) }
func (g Gauge) Add(delta int64)          { g.m.Add(delta) }

// Set sets the gauge (proxy_record_metric on a gauge). The SDK only adds, so the native
// build adds the difference to the current value.
func (g Gauge) Set(value int64) { g.m.Add(value - g.m.Value()) }
