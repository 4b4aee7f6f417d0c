package abi

import runtimemetrics "runtime/metrics"

// heapSamples is reused on every read: runtime/metrics.Read fills it without allocating.
var heapSamples = [3]runtimemetrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/gc/cycles/total:gc-cycles"},
	{Name: "/memory/classes/heap/objects:bytes"},
}

// HeapLiveBytes is the Go heap this VM's last garbage collection found live. A VM's linear
// memory never shrinks, so this is the figure that shows whether memory is held or merely
// was. Until the first collection the runtime has no such figure (it reads 0), and a VM
// whose requests allocate little may serve thousands before one: the bytes of all heap
// objects so far, of which none was freed, stand in for it. It is read through
// runtime/metrics, not runtime.ReadMemStats: ReadMemStats stops the world, and restarting it
// polls for I/O with WASI poll_oneoff, which hosts before cpp-host #533 do not provide
// (docs/host.md#poll_oneoff-and-the-go-runtime). Not a hostcall: the same code runs natively
// and in wasm. ok is false if the runtime does not have the metrics.
func HeapLiveBytes() (live uint64, ok bool) {
	runtimemetrics.Read(heapSamples[:])
	for _, s := range heapSamples {
		if s.Value.Kind() != runtimemetrics.KindUint64 {
			return 0, false
		}
	}
	return heapFigure(heapSamples[0].Value.Uint64(), heapSamples[1].Value.Uint64(), heapSamples[2].Value.Uint64()), true
}

// heapFigure is HeapLiveBytes from the three metrics: live after the last collection, the
// number of collections, and the bytes of heap objects now.
func heapFigure(live, cycles, objects uint64) uint64 {
	if cycles == 0 {
		return objects
	}
	return live
}
