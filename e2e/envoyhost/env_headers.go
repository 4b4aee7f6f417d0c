package envoyhost

import (
	"context"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// registerHeaderMaps registers the hostcalls of header maps (docs/host.md#header-maps).
func (h *Host) registerHeaderMaps(e envExports) {
	e.fn("proxy_get_header_map_value", func(ctx context.Context, m api.Module, typ, kp, kl, outPtr, outLen uint32) uint32 {
		vm := enter(ctx, "proxy_get_header_map_value")
		if typ > 7 {
			return statusBadArgument
		}
		key, ok := read(m, kp, kl)
		if !ok {
			return statusInvalidMemory
		}
		hm, ok := vm.headerMap(typ)
		if !ok {
			return statusBadArgument
		}
		k := strings.ToLower(string(key))
		for _, kv := range *hm {
			if kv[0] == k {
				return vm.give(ctx, m, []byte(kv[1]), outPtr, outLen) // the first value only
			}
		}
		return statusNotFound
	})
	e.fn("proxy_get_header_map_pairs", func(ctx context.Context, m api.Module, typ, outPtr, outLen uint32) uint32 {
		vm := enter(ctx, "proxy_get_header_map_pairs")
		if typ > 7 {
			return statusBadArgument
		}
		hm, ok := vm.headerMap(typ)
		if !ok || len(*hm) == 0 {
			return vm.give(ctx, m, nil, outPtr, outLen)
		}
		vm.pairsBuf = AppendPairs(vm.pairsBuf[:0], *hm)
		return vm.give(ctx, m, vm.pairsBuf, outPtr, outLen)
	})
	e.fn("proxy_set_header_map_pairs", func(ctx context.Context, m api.Module, typ, ptr, size uint32) uint32 {
		vm := enter(ctx, "proxy_set_header_map_pairs")
		data, ok := read(m, ptr, size)
		if !ok {
			return statusInvalidMemory
		}
		hm, ok := vm.headerMap(typ)
		if !ok || typ >= 6 {
			return statusBadArgument
		}
		pairs, err := DecodePairs(data)
		if err != nil {
			pairs = nil // a malformed buffer clears the map (docs/host.md#header-maps)
		}
		*hm = nil
		for _, kv := range pairs {
			*hm = append(*hm, [2]string{strings.ToLower(kv[0]), kv[1]})
		}
		return statusOK
	})
	mutate := func(ctx context.Context, m api.Module, name string, typ, kp, kl, vp, vl uint32, replace, add bool) uint32 {
		vm := enter(ctx, name)
		key, ok1 := readString(m, kp, kl)
		val, ok2 := readString(m, vp, vl)
		if !ok1 || !ok2 {
			return statusInvalidMemory
		}
		hm, ok := vm.headerMap(typ)
		if !ok || typ >= 6 {
			return statusBadArgument
		}
		k := strings.ToLower(key)
		if replace || !add {
			kept := (*hm)[:0]
			for _, kv := range *hm {
				if kv[0] != k {
					kept = append(kept, kv)
				}
			}
			*hm = kept
		}
		if add || replace {
			*hm = append(*hm, [2]string{k, val})
		}
		return statusOK
	}
	e.fn("proxy_add_header_map_value", func(ctx context.Context, m api.Module, typ, kp, kl, vp, vl uint32) uint32 {
		return mutate(ctx, m, "proxy_add_header_map_value", typ, kp, kl, vp, vl, false, true)
	})
	e.fn("proxy_replace_header_map_value", func(ctx context.Context, m api.Module, typ, kp, kl, vp, vl uint32) uint32 {
		return mutate(ctx, m, "proxy_replace_header_map_value", typ, kp, kl, vp, vl, true, false)
	})
	e.fn("proxy_remove_header_map_value", func(ctx context.Context, m api.Module, typ, kp, kl uint32) uint32 {
		return mutate(ctx, m, "proxy_remove_header_map_value", typ, kp, kl, 0, 0, false, false)
	})
	e.fn("proxy_get_header_map_size", func(ctx context.Context, m api.Module, typ, out uint32) uint32 {
		vm := enter(ctx, "proxy_get_header_map_size")
		hm, ok := vm.headerMap(typ)
		if !ok {
			return statusBadArgument
		}
		size := 0
		for _, kv := range *hm {
			size += len(kv[0]) + len(kv[1])
		}
		m.Memory().WriteUint32Le(out, uint32(size)) // the byte size, not the count (docs/host.md#header-maps)
		return statusOK
	})
}

// headerMap returns the map of type typ if it is available now (docs/host.md#header-maps).
func (vm *VM) headerMap(typ uint32) (*[][2]string, bool) {
	s := vm.streams[vm.effective]
	switch typ {
	case 0:
		if s != nil && s.reqLive {
			return &s.reqHeaders, true
		}
	case 2:
		if s != nil && s.respLive {
			return &s.respHeaders, true
		}
	case 6:
		if vm.callResp != nil {
			return &vm.callResp.headers, true
		}
	case 7:
		if vm.callResp != nil {
			empty := [][2]string{}
			return &empty, true
		}
	}
	return nil, false
}
