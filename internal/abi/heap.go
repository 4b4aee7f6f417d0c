package abi

import runtimemetrics "runtime/metrics"

// heapLive is reused on every read: runtime/metrics.Read fills it without allocating.
var heapLive = [1]runtimemetrics.Sample{{Name: "/gc/heap/live:bytes"}}

// HeapLiveBytes is the Go heap this VM's last garbage collection found live. A VM's linear
// memory never shrinks, so this is the figure that shows whether memory is held or merely
// was. It is read through runtime/metrics, not runtime.ReadMemStats: ReadMemStats stops the
// world, and restarting it polls for I/O with WASI poll_oneoff, which hosts before cpp-host
// #533 do not provide (docs/host.md#poll_oneoff-and-the-go-runtime). Not a hostcall: the same
// code runs natively and in wasm. ok is false if the runtime does not have the metric.
func HeapLiveBytes() (live uint64, ok bool) {
	runtimemetrics.Read(heapLive[:])
	if v := heapLive[0].Value; v.Kind() == runtimemetrics.KindUint64 {
		return v.Uint64(), true
	}
	return 0, false
}
