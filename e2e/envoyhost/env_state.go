package envoyhost

import (
	"context"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// registerProperties registers the hostcalls of properties (docs/host.md#properties).
func (h *Host) registerProperties(e envExports) {
	e.fn("proxy_get_property", func(ctx context.Context, m api.Module, pp, pl, outPtr, outLen uint32) uint32 {
		vm := enter(ctx, "proxy_get_property")
		path, ok := read(m, pp, pl)
		if !ok {
			return statusInvalidMemory
		}
		v, ok := vm.property(strings.Split(strings.TrimSuffix(string(path), "\x00"), "\x00"))
		if !ok {
			return statusNotFound
		}
		return vm.give(ctx, m, v, outPtr, outLen)
	})
	// proxy_set_property stores a value in the current stream's filter state under "wasm." +
	// the path, as Envoy's Context::setProperty (source/extensions/common/wasm/context.cc)
	// does; outside a stream there is no stream info and Envoy answers NotFound.
	e.fn("proxy_set_property", func(ctx context.Context, m api.Module, pp, pl, vp, vl uint32) uint32 {
		vm := enter(ctx, "proxy_set_property")
		path, ok1 := read(m, pp, pl)
		value, ok2 := readString(m, vp, vl)
		if !ok1 || !ok2 {
			return statusInvalidMemory
		}
		s := vm.streams[vm.effective]
		if s == nil {
			return statusNotFound
		}
		if s.filterState == nil {
			s.filterState = map[string]string{}
		}
		s.filterState["wasm."+string(path)] = value
		return statusOK
	})
}

// registerSharedData registers the hostcalls of shared data (docs/host.md#shared-data).
func (h *Host) registerSharedData(e envExports) {
	e.fn("proxy_get_shared_data", func(ctx context.Context, m api.Module, kp, kl, outPtr, outLen, outCas uint32) uint32 {
		vm := enter(ctx, "proxy_get_shared_data")
		key, ok := read(m, kp, kl)
		if !ok {
			return statusInvalidMemory
		}
		h.mu.Lock()
		e, found := h.shared[vm.p.cfg.VMID][string(key)]
		var value []byte
		var cas uint32
		if found {
			value, cas = append([]byte(nil), e.value...), e.cas
		}
		h.mu.Unlock()
		if !found {
			return statusNotFound
		}
		if st := vm.give(ctx, m, value, outPtr, outLen); st != statusOK {
			return st
		}
		m.Memory().WriteUint32Le(outCas, cas)
		return statusOK
	})
	e.fn("proxy_set_shared_data", func(ctx context.Context, m api.Module, kp, kl, vp, vl, cas uint32) uint32 {
		vm := enter(ctx, "proxy_set_shared_data")
		key, ok1 := read(m, kp, kl)
		value, ok2 := read(m, vp, vl)
		if !ok1 || !ok2 {
			return statusInvalidMemory
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		ns := h.shared[vm.p.cfg.VMID]
		if ns == nil {
			ns = map[string]*sharedEntry{}
			h.shared[vm.p.cfg.VMID] = ns
		}
		// cas 0: unconditional; a stale cas on an existing key: mismatch; any cas on a
		// missing key succeeds. One process-wide counter, skipping 0 (docs/host.md#shared-data).
		if e, ok := ns[string(key)]; ok && cas != 0 && cas != e.cas {
			return statusCasMismatch
		}
		ns[string(key)] = &sharedEntry{value: value, cas: h.casNext}
		h.casNext++
		if h.casNext == 0 {
			h.casNext = 1
		}
		return statusOK
	})
}

func (vm *VM) property(path []string) ([]byte, bool) {
	switch strings.Join(path, ".") {
	case "plugin_name":
		return []byte(vm.p.cfg.Name), true
	case "plugin_root_id":
		return []byte(vm.p.cfg.RootID), true
	case "plugin_vm_id":
		return []byte(vm.p.cfg.VMID), true
	}
	s := vm.streams[vm.effective]
	if len(path) >= 2 && path[0] == "request" && s != nil && s.reqLive {
		get := func(name string) []byte {
			for _, kv := range s.reqHeaders {
				if kv[0] == name {
					return []byte(kv[1])
				}
			}
			return nil
		}
		switch path[1] {
		case "path":
			return get(":path"), true
		case "url_path":
			p := string(get(":path"))
			if i := strings.IndexByte(p, '?'); i >= 0 {
				p = p[:i]
			}
			return []byte(p), true
		case "host":
			return get(":authority"), true
		case "method":
			return get(":method"), true
		case "scheme":
			return get(":scheme"), true
		case "headers":
			if len(path) == 3 {
				return get(strings.ToLower(path[2])), true
			}
		}
	}
	return nil, false
}
