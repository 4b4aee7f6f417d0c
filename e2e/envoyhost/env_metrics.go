package envoyhost

import (
	"context"

	"github.com/tetratelabs/wazero/api"
)

// registerMetrics registers the hostcalls of metrics (docs/host.md#metrics).
func (h *Host) registerMetrics(e envExports) {
	e.fn("proxy_define_metric", func(ctx context.Context, m api.Module, typ, np, nl, outID uint32) uint32 {
		vm := enter(ctx, "proxy_define_metric")
		if typ > 2 {
			return statusBadArgument
		}
		name, ok := read(m, np, nl)
		if !ok {
			return statusInvalidMemory
		}
		h.mu.Lock()
		if _, ok := h.stats[string(name)]; !ok {
			h.stats[string(name)] = &stat{kind: typ}
			h.statOrder = append(h.statOrder, string(name))
		}
		h.mu.Unlock()
		// counters 4, 8, …; gauges 5, 9, …; histograms 6, 10, … (docs/host.md#metrics)
		id := vm.metricNext[typ]<<2 | typ
		vm.metricNext[typ]++
		vm.metricIDs[id] = string(name)
		m.Memory().WriteUint32Le(outID, id)
		return statusOK
	})
	e.fn("proxy_increment_metric", func(ctx context.Context, id uint32, delta int64) uint32 {
		vm := enter(ctx, "proxy_increment_metric")
		name, ok := vm.metricIDs[id]
		if !ok {
			return statusNotFound
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		s := h.stats[name]
		if s.kind == 2 || (s.kind == 0 && delta <= 0) {
			return statusBadArgument
		}
		s.value += delta
		return statusOK
	})
	e.fn("proxy_record_metric", func(ctx context.Context, id uint32, value uint64) uint32 {
		vm := enter(ctx, "proxy_record_metric")
		name, ok := vm.metricIDs[id]
		if !ok {
			return statusNotFound
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		s := h.stats[name]
		switch s.kind {
		case 0:
			s.value += int64(value) // record on a counter adds (docs/host.md#metrics)
		case 1:
			s.value = int64(value)
		case 2:
			s.value += int64(value)
			s.count++
		}
		return statusOK
	})
	e.fn("proxy_get_metric", func(ctx context.Context, m api.Module, id, out uint32) uint32 {
		vm := enter(ctx, "proxy_get_metric")
		name, ok := vm.metricIDs[id]
		if !ok {
			return statusNotFound
		}
		h.mu.Lock()
		s := h.stats[name]
		v := s.value
		h.mu.Unlock()
		if s.kind == 2 {
			return statusBadArgument
		}
		m.Memory().WriteUint64Le(out, uint64(v))
		return statusOK
	})
}
