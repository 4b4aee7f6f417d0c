//go:build wasip1

package abi

import (
	"errors"
	"time"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Map, buffer and stream types of the ABI (spec; docs/host.md#header-maps, #buffers, #stream-control).
const (
	mapRequestHeaders      = 0
	mapResponseHeaders     = 2
	mapHttpCallHeaders     = 6
	mapHttpCallTrailers    = 7
	bufferHttpCallBody     = 4
	bufferVMConfiguration  = 6
	bufferPluginConfig     = 7
	streamRequest          = 0
	metricCounter          = 0
	metricGauge            = 1
	metricHistogram        = 2
	maxBufferBytes         = 1<<31 - 1 // the SDKs ask for everything; the host clamps (docs/host.md#buffers)
	statusOK               = 0
	statusNotFound         = 1
	statusBadArgument      = 2
	statusSerialization    = 3
	statusParseFailure     = 4
	statusBadExpression    = 5
	statusInvalidMemory    = 6
	statusEmpty            = 7
	statusCasMismatch      = 8
	statusResultMismatch   = 9
	statusInternalFailure  = 10
	statusBrokenConnection = 11
	statusUnimplemented    = 12
	grpcStatusNone         = -1
	localReplyPanicStatus  = 500
	localReplyPanicDetails = "jwtguard_panic_recovered"
)

// Status codes the SDK's types package has no error value for.
var (
	errSerializationFailure = errors.New("error status returned by host: serialization failure")
	errParseFailure         = errors.New("error status returned by host: parse failure")
	errBadExpression        = errors.New("error status returned by host: bad expression")
	errInvalidMemoryAccess  = errors.New("error status returned by host: invalid memory access")
	errResultMismatch       = errors.New("error status returned by host: result mismatch")
	errBrokenConnection     = errors.New("error status returned by host: broken connection")
	errUnknownStatus        = errors.New("error status returned by host: unknown status")
)

// statusError maps an ABI status to the SDK's error values (types.ErrorStatus*), so the
// filter compares errors the same way natively and in wasm.
func statusError(status uint32) error {
	switch status {
	case statusOK:
		return nil
	case statusNotFound:
		return types.ErrorStatusNotFound
	case statusBadArgument:
		return types.ErrorStatusBadArgument
	case statusSerialization:
		return errSerializationFailure
	case statusParseFailure:
		return errParseFailure
	case statusBadExpression:
		return errBadExpression
	case statusInvalidMemory:
		return errInvalidMemoryAccess
	case statusEmpty:
		return types.ErrorStatusEmpty
	case statusCasMismatch:
		return types.ErrorStatusCasMismatch
	case statusResultMismatch:
		return errResultMismatch
	case statusInternalFailure:
		return types.ErrorInternalFailure
	case statusBrokenConnection:
		return errBrokenConnection
	case statusUnimplemented:
		return types.ErrorUnimplemented
	}
	return errUnknownStatus
}

// hostAllocations holds the buffers proxy_on_memory_allocate handed to the host during the
// current hostcall. The host keeps only their address until the hostcall returns; holding
// them here keeps Go's GC, which may run inside a later allocation of the same hostcall, from
// reclaiming them (docs/host.md#memory-ownership).
var hostAllocations [][]byte

// The request's header map is read on every request (GetHttpRequestHeadersTransient): the
// buffer the host fills and the pairs decoded from it are kept from one request to the next
// instead of being allocated each time, because in wasm an allocation and the collection it
// brings closer cost a cached request as much as a hostcall (issue 19, docs/performance.md).
// A buffer larger than maxScratchBytes is not kept, so that one huge request does not pin
// its size for the VM's lifetime.
var (
	scratchNext  bool // the next allocation for the host is the request-header buffer
	scratchBuf   []byte
	scratchPairs [][2]string
)

const maxScratchBytes = 64 << 10

func allocateForHost(size uint32) uint32 {
	if size == 0 {
		// cpp-host never asks for 0 bytes (docs/host.md#memory-ownership); a 1-byte buffer keeps
		// &buf[0] valid anyway
		size = 1
	}
	var buf []byte
	switch {
	case scratchNext && int(size) <= cap(scratchBuf):
		buf = scratchBuf[:size]
	case scratchNext && size <= maxScratchBytes:
		scratchBuf = make([]byte, size, min(2*int(size), maxScratchBytes))
		buf = scratchBuf
	default:
		buf = make([]byte, size)
	}
	scratchNext = false
	hostAllocations = append(hostAllocations, buf)
	return uint32(uintptr(unsafe.Pointer(&buf[0])))
}

// takeHostData returns the bytes the host wrote at (ptr, size) and forgets every pending
// allocation. It looks the address up among our own allocations rather than turning an
// integer into a pointer: an address we did not hand out yields nil, never a wild read.
func takeHostData(ptr, size uint32) []byte {
	var data []byte
	if ptr != 0 && size != 0 {
		for _, buf := range hostAllocations {
			if uint32(uintptr(unsafe.Pointer(&buf[0]))) == ptr && int(size) <= len(buf) {
				data = buf[:size:size]
				break
			}
		}
	}
	clear(hostAllocations)
	hostAllocations = hostAllocations[:0]
	return data
}

func stringPointer(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }
func bytesPointer(b []byte) unsafe.Pointer  { return unsafe.Pointer(unsafe.SliceData(b)) }

func logAt(level logLevel, msg string) {
	proxyLog(uint32(level), stringPointer(msg), uint32(len(msg)))
}

func LogInfo(msg string)     { logAt(levelInfo, msg) }
func LogWarn(msg string)     { logAt(levelWarn, msg) }
func LogError(msg string)    { logAt(levelError, msg) }
func LogCritical(msg string) { logAt(levelCritical, msg) }

// getBuffer reads a whole host buffer. An empty buffer arrives as (0,0) and is reported as
// NotFound, as the SDKs do (docs/host.md#conventions-and-status-codes), so that code behaves the
// same natively and in wasm.
func getBuffer(bufferType uint32, start, maxSize int) ([]byte, error) {
	var ptr, size uint32
	st := proxyGetBufferBytes(bufferType, uint32(start), uint32(maxSize), unsafe.Pointer(&ptr), unsafe.Pointer(&size))
	data := takeHostData(ptr, size)
	if err := statusError(st); err != nil {
		return nil, err
	}
	if data == nil {
		return nil, types.ErrorStatusNotFound
	}
	return data, nil
}

func GetPluginConfiguration() ([]byte, error) {
	return getBuffer(bufferPluginConfig, 0, maxBufferBytes)
}

func SetTickPeriodMilliSeconds(ms uint32) error {
	return statusError(proxySetTickPeriodMilliseconds(ms))
}

// Now is the host's wall clock (Envoy's time source), read with
// proxy_get_current_time_nanoseconds; on a host error it falls back to WASI's clock.
func Now() time.Time {
	var ns int64
	if proxyGetCurrentTimeNanoseconds(unsafe.Pointer(&ns)) != statusOK {
		return time.Now()
	}
	return time.Unix(0, ns)
}

func getHeader(mapType uint32, key string) (string, error) {
	var ptr, size uint32
	st := proxyGetHeaderMapValue(mapType, stringPointer(key), uint32(len(key)), unsafe.Pointer(&ptr), unsafe.Pointer(&size))
	data := takeHostData(ptr, size)
	if err := statusError(st); err != nil {
		return "", err
	}
	return string(data), nil
}

// getHeaders reads a whole map; an empty or unavailable map is (0,0) → NotFound
// (docs/host.md#conventions-and-status-codes).
func getHeaders(mapType uint32) ([][2]string, error) {
	var ptr, size uint32
	st := proxyGetHeaderMapPairs(mapType, unsafe.Pointer(&ptr), unsafe.Pointer(&size))
	data := takeHostData(ptr, size)
	if err := statusError(st); err != nil {
		return nil, err
	}
	if data == nil {
		return nil, types.ErrorStatusNotFound
	}
	return DeserializePairsShared(data) // data is a buffer we allocated for this hostcall only
}

// GetHttpRequestHeadersTransient is GetHttpRequestHeaders whose result is only valid until
// the next call: the strings are views of a buffer, and the slice an array, that the next
// call overwrites (see scratchBuf). The request path reads the headers once per request and
// copies what it keeps (the token cache clones its keys; a held request clones its token).
func GetHttpRequestHeadersTransient() ([][2]string, error) {
	var ptr, size uint32
	scratchNext = true
	st := proxyGetHeaderMapPairs(mapRequestHeaders, unsafe.Pointer(&ptr), unsafe.Pointer(&size))
	scratchNext = false
	data := takeHostData(ptr, size)
	if err := statusError(st); err != nil {
		return nil, err
	}
	if data == nil {
		return nil, types.ErrorStatusNotFound
	}
	pairs, err := DeserializePairsSharedInto(scratchPairs, data)
	if err != nil {
		return nil, err
	}
	if cap(pairs) > cap(scratchPairs) {
		scratchPairs = pairs
	}
	return pairs, nil
}

func addHeader(mapType uint32, key, value string) error {
	return statusError(proxyAddHeaderMapValue(mapType, stringPointer(key), uint32(len(key)), stringPointer(value), uint32(len(value))))
}

func replaceHeader(mapType uint32, key, value string) error {
	return statusError(proxyReplaceHeaderMapValue(mapType, stringPointer(key), uint32(len(key)), stringPointer(value), uint32(len(value))))
}

func removeHeader(mapType uint32, key string) error {
	return statusError(proxyRemoveHeaderMapValue(mapType, stringPointer(key), uint32(len(key))))
}

func GetHttpRequestHeader(key string) (string, error) { return getHeader(mapRequestHeaders, key) }
func GetHttpRequestHeaders() ([][2]string, error)     { return getHeaders(mapRequestHeaders) }
func AddHttpRequestHeader(key, value string) error    { return addHeader(mapRequestHeaders, key, value) }
func ReplaceHttpRequestHeader(key, value string) error {
	return replaceHeader(mapRequestHeaders, key, value)
}
func RemoveHttpRequestHeader(key string) error         { return removeHeader(mapRequestHeaders, key) }
func GetHttpResponseHeader(key string) (string, error) { return getHeader(mapResponseHeaders, key) }

// SendHttpResponse sends a local reply. Envoy defers it until the callback returns and then forces
// the callback's result to "stop" (docs/host.md#callback-results,
// #pausing-continuing-and-local-replies); details becomes the response-code-details (whitespace
// replaced by '_'); grpcStatus -1 means none.
func SendHttpResponse(status uint32, details string, headers [][2]string, body []byte, grpcStatus int32) error {
	hs := SerializePairs(headers)
	return statusError(proxySendLocalResponse(status, stringPointer(details), uint32(len(details)),
		bytesPointer(body), uint32(len(body)), bytesPointer(hs), uint32(len(hs)), grpcStatus))
}

// ResumeHttpRequest continues a request paused in its headers callback. Envoy drops its
// pointers to the request headers at once, so mutate headers before calling it
// (docs/host.md#pausing-continuing-and-local-replies).
func ResumeHttpRequest() error { return statusError(proxyContinueStream(streamRequest)) }

// DispatchHttpCall sends a request to an Envoy cluster; the response is delivered to
// callback with the calling context made effective again (see dispatcher.httpCallResponse).
func DispatchHttpCall(cluster string, headers [][2]string, body []byte, trailers [][2]string,
	timeoutMillis uint32, callback func(numHeaders, bodySize, numTrailers int)) (uint32, error) {
	hs := SerializePairs(headers)
	var ts []byte
	if len(trailers) > 0 {
		ts = SerializePairs(trailers)
	}
	var token uint32
	st := proxyHttpCall(stringPointer(cluster), uint32(len(cluster)), bytesPointer(hs), uint32(len(hs)),
		bytesPointer(body), uint32(len(body)), bytesPointer(ts), uint32(len(ts)), timeoutMillis, unsafe.Pointer(&token))
	if err := statusError(st); err != nil {
		return 0, err
	}
	if vmDispatcher != nil {
		vmDispatcher.registerCallout(token, callback)
	}
	return token, nil
}

func GetHttpCallResponseHeaders() ([][2]string, error) { return getHeaders(mapHttpCallHeaders) }
func GetHttpCallResponseBody(start, maxSize int) ([]byte, error) {
	return getBuffer(bufferHttpCallBody, start, maxSize)
}

func GetProperty(path []string) ([]byte, error) {
	p := SerializePropertyPath(path)
	var ptr, size uint32
	st := proxyGetProperty(bytesPointer(p), uint32(len(p)), unsafe.Pointer(&ptr), unsafe.Pointer(&size))
	data := takeHostData(ptr, size)
	if err := statusError(st); err != nil {
		return nil, err
	}
	return data, nil
}

// SetPropertyString sets a one-segment property to a string value without copying either:
// the host copies them during the call (the request path sets two properties per request).
func SetPropertyString(name, value string) error {
	return statusError(proxySetProperty(stringPointer(name), uint32(len(name)), stringPointer(value), uint32(len(value))))
}

func SetProperty(path []string, value []byte) error {
	p := SerializePropertyPath(path)
	return statusError(proxySetProperty(bytesPointer(p), uint32(len(p)), bytesPointer(value), uint32(len(value))))
}

// GetSharedData reads a process-wide key (namespace: the VM id) with its CAS
// (docs/host.md#shared-data).
func GetSharedData(key string) ([]byte, uint32, error) {
	var ptr, size, cas uint32
	st := proxyGetSharedData(stringPointer(key), uint32(len(key)), unsafe.Pointer(&ptr), unsafe.Pointer(&size), unsafe.Pointer(&cas))
	data := takeHostData(ptr, size)
	if err := statusError(st); err != nil {
		return nil, 0, err
	}
	return data, cas, nil
}

// SetSharedData writes a key; cas 0 writes unconditionally, otherwise a stale cas gives
// types.ErrorStatusCasMismatch.
func SetSharedData(key string, value []byte, cas uint32) error {
	return statusError(proxySetSharedData(stringPointer(key), uint32(len(key)), bytesPointer(value), uint32(len(value)), cas))
}

func SetEffectiveContext(id uint32) error { return statusError(proxySetEffectiveContext(id)) }

// Counter is a monotonically increasing metric (Envoy counter).
type Counter struct{ id uint32 }

// Gauge is a metric that can go up and down (Envoy gauge).
type Gauge struct{ id uint32 }

func defineMetric(metricType uint32, name string) uint32 {
	var id uint32
	if proxyDefineMetric(metricType, stringPointer(name), uint32(len(name)), unsafe.Pointer(&id)) != statusOK {
		LogError("jwtguard: cannot define metric " + name)
	}
	return id
}

func DefineCounter(name string) Counter { return Counter{defineMetric(metricCounter, name)} }
func DefineGauge(name string) Gauge     { return Gauge{defineMetric(metricGauge, name)} }

// Increment adds delta; Envoy refuses a zero delta on a counter (docs/host.md#metrics), so it is
// skipped.
func (c Counter) Increment(delta uint64) {
	if delta > 0 {
		proxyIncrementMetric(c.id, int64(delta))
	}
}

func (g Gauge) Add(delta int64) { proxyIncrementMetric(g.id, delta) }
func (g Gauge) Set(value int64) { proxyRecordMetric(g.id, uint64(value)) }
