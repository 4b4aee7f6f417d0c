package envoyhost

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Status codes (docs/host.md#conventions-and-status-codes).
const (
	statusOK              = 0
	statusNotFound        = 1
	statusBadArgument     = 2
	statusInvalidMemory   = 6
	statusEmpty           = 7
	statusCasMismatch     = 8
	statusInternalFailure = 10
	statusUnimplemented   = 12
)

// envNames are the env imports this host registers (the subset of cpp-host's a JWT filter
// and the SDK examples use; proxy_get_log_level only for ABI 0.2.1).
var envNames = map[string]bool{}

func (h *Host) envModule(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("env")
	fn := func(name string, f any) {
		envNames[name] = true
		export(b, name, f)
	}
	enter := func(ctx context.Context, name string) *VM {
		vm := vmFrom(ctx)
		vm.allow("env." + name)
		return vm
	}
	fn("proxy_log", func(ctx context.Context, m api.Module, level, ptr, size uint32) uint32 {
		vm := enter(ctx, "proxy_log")
		if level > 5 {
			return statusBadArgument
		}
		msg, ok := read(m, ptr, size)
		if !ok {
			return statusInvalidMemory
		}
		vm.log(int(level), string(msg))
		return statusOK
	})
	fn("proxy_get_log_level", func(ctx context.Context, m api.Module, out uint32) uint32 {
		enter(ctx, "proxy_get_log_level")
		m.Memory().WriteUint32Le(out, LevelInfo)
		return statusOK
	})
	fn("proxy_set_tick_period_milliseconds", func(ctx context.Context, period uint32) uint32 {
		vm := enter(ctx, "proxy_set_tick_period_milliseconds")
		vm.tickPeriod = time.Duration(period) * time.Millisecond
		if vm.tasks != nil && !vm.configuring {
			vm.armTick()
		}
		return statusOK
	})
	fn("proxy_get_current_time_nanoseconds", func(ctx context.Context, m api.Module, out uint32) uint32 {
		enter(ctx, "proxy_get_current_time_nanoseconds")
		if !m.Memory().WriteUint64Le(out, uint64(h.now().UnixNano())) {
			return statusInvalidMemory
		}
		return statusOK
	})
	fn("proxy_get_buffer_bytes", func(ctx context.Context, m api.Module, typ, start, max, outPtr, outLen uint32) uint32 {
		vm := enter(ctx, "proxy_get_buffer_bytes")
		if typ > 8 {
			return statusBadArgument
		}
		var buf []byte
		switch {
		case typ == 4 && vm.callResp != nil:
			buf = vm.callResp.body
		case typ == 6:
			buf = vm.p.cfg.VMConfig
		case typ == 7 && vm.configuring:
			buf = vm.p.cfg.Configuration
		default:
			return statusNotFound
		}
		// cpp-host's overflow check (start > start + length, src/exports.cc) is done on 64-bit
		// words holding the two 32-bit arguments, so it never fires: a length past the end,
		// even 0xFFFFFFFF, is clamped to the end (docs/host.md#buffers).
		if start >= uint32(len(buf)) {
			return vm.give(ctx, m, nil, outPtr, outLen)
		}
		end := uint64(start) + uint64(max)
		if end > uint64(len(buf)) {
			end = uint64(len(buf))
		}
		return vm.give(ctx, m, buf[start:end], outPtr, outLen)
	})
	fn("proxy_get_header_map_value", func(ctx context.Context, m api.Module, typ, kp, kl, outPtr, outLen uint32) uint32 {
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
	fn("proxy_get_header_map_pairs", func(ctx context.Context, m api.Module, typ, outPtr, outLen uint32) uint32 {
		vm := enter(ctx, "proxy_get_header_map_pairs")
		if typ > 7 {
			return statusBadArgument
		}
		hm, ok := vm.headerMap(typ)
		if !ok || len(*hm) == 0 {
			return vm.give(ctx, m, nil, outPtr, outLen)
		}
		return vm.give(ctx, m, EncodePairs(*hm), outPtr, outLen)
	})
	fn("proxy_set_header_map_pairs", func(ctx context.Context, m api.Module, typ, ptr, size uint32) uint32 {
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
		key, ok1 := read(m, kp, kl)
		val, ok2 := read(m, vp, vl)
		if !ok1 || !ok2 {
			return statusInvalidMemory
		}
		hm, ok := vm.headerMap(typ)
		if !ok || typ >= 6 {
			return statusBadArgument
		}
		k := strings.ToLower(string(key))
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
			*hm = append(*hm, [2]string{k, string(val)})
		}
		return statusOK
	}
	fn("proxy_add_header_map_value", func(ctx context.Context, m api.Module, typ, kp, kl, vp, vl uint32) uint32 {
		return mutate(ctx, m, "proxy_add_header_map_value", typ, kp, kl, vp, vl, false, true)
	})
	fn("proxy_replace_header_map_value", func(ctx context.Context, m api.Module, typ, kp, kl, vp, vl uint32) uint32 {
		return mutate(ctx, m, "proxy_replace_header_map_value", typ, kp, kl, vp, vl, true, false)
	})
	fn("proxy_remove_header_map_value", func(ctx context.Context, m api.Module, typ, kp, kl uint32) uint32 {
		return mutate(ctx, m, "proxy_remove_header_map_value", typ, kp, kl, 0, 0, false, false)
	})
	fn("proxy_get_header_map_size", func(ctx context.Context, m api.Module, typ, out uint32) uint32 {
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
	fn("proxy_send_local_response", func(ctx context.Context, m api.Module, status, dp, dl, bp, bl, hp, hl uint32, grpc int32) uint32 {
		vm := enter(ctx, "proxy_send_local_response")
		details, ok1 := read(m, dp, dl)
		body, ok2 := read(m, bp, bl)
		hdata, ok3 := read(m, hp, hl)
		if !ok1 || !ok2 || !ok3 {
			return statusInvalidMemory
		}
		s := vm.streams[vm.effective]
		if s == nil || s.decided {
			// from a root context: OK and nothing happens
			// (docs/host.md#pausing-continuing-and-local-replies)
			return statusOK
		}
		pairs, err := DecodePairs(hdata)
		if err != nil {
			pairs = nil
		}
		s.pendingResp = composeLocalReply(int(status), strings.Join(strings.Fields(string(details)), "_"), pairs, body)
		return statusOK
	})
	fn("proxy_continue_stream", func(ctx context.Context, typ uint32) uint32 {
		vm := enter(ctx, "proxy_continue_stream")
		switch {
		case typ > 3:
			return statusBadArgument
		case typ == 3:
			return statusUnimplemented
		}
		if s := vm.streams[vm.effective]; s != nil && !s.decided {
			s.pendingCont = true
			// Envoy drops its request-header pointers at once
			// (docs/host.md#pausing-continuing-and-local-replies)
			s.reqLive = false
		}
		return statusOK
	})
	fn("proxy_close_stream", func(ctx context.Context, typ uint32) uint32 {
		vm := enter(ctx, "proxy_close_stream")
		if s := vm.streams[vm.effective]; s != nil {
			s.pendingResp = &Response{Status: 0, Details: "wasm_close_stream"}
		}
		return statusOK
	})
	fn("proxy_http_call", func(ctx context.Context, m api.Module, up, ul, hp, hl, bp, bl, tp, tl, timeout, outToken uint32) uint32 {
		vm := enter(ctx, "proxy_http_call")
		if !m.Memory().WriteUint32Le(outToken, 0) {
			return statusInvalidMemory
		}
		upstream, ok1 := read(m, up, ul)
		hdata, ok2 := read(m, hp, hl)
		body, ok3 := read(m, bp, bl)
		if !ok1 || !ok2 || !ok3 {
			return statusInvalidMemory
		}
		cluster, ok := h.opts.Clusters[string(upstream)]
		if !ok || int32(timeout) < 0 {
			return statusBadArgument
		}
		headers, err := DecodePairs(hdata)
		if err != nil {
			return statusBadArgument
		}
		var method, path, authority string
		for i, kv := range headers {
			headers[i][0] = strings.ToLower(kv[0])
			switch headers[i][0] {
			case ":method":
				method = kv[1]
			case ":path":
				path = kv[1]
			case ":authority", "host":
				authority = kv[1]
			}
		}
		if method == "" || path == "" || authority == "" {
			return statusBadArgument
		}
		token := vm.nextToken
		vm.nextToken += 4 // HTTP call tokens 4, 8, 12, … (docs/host.md#http-calls)
		m.Memory().WriteUint32Le(outToken, token)
		go vm.dispatch(cluster, token, method, path, authority, headers, body, time.Duration(timeout)*time.Millisecond)
		return statusOK
	})
	fn("proxy_get_status", func(ctx context.Context, m api.Module, outCode, outPtr, outLen uint32) uint32 {
		vm := enter(ctx, "proxy_get_status")
		m.Memory().WriteUint32Le(outCode, vm.status)
		return vm.give(ctx, m, []byte(vm.statusMsg), outPtr, outLen)
	})
	fn("proxy_set_effective_context", func(ctx context.Context, id uint32) uint32 {
		vm := enter(ctx, "proxy_set_effective_context")
		if _, ok := vm.streams[id]; !ok && id != rootID && id != 0 {
			return statusBadArgument
		}
		vm.effective = id
		return statusOK
	})
	fn("proxy_done", func(ctx context.Context) uint32 {
		vm := enter(ctx, "proxy_done")
		if !vm.rootDone {
			return statusNotFound
		}
		return statusOK
	})
	fn("proxy_get_property", func(ctx context.Context, m api.Module, pp, pl, outPtr, outLen uint32) uint32 {
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
	fn("proxy_set_property", func(ctx context.Context, m api.Module, pp, pl, vp, vl uint32) uint32 {
		vm := enter(ctx, "proxy_set_property")
		path, ok1 := read(m, pp, pl)
		value, ok2 := read(m, vp, vl)
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
		s.filterState["wasm."+string(path)] = string(value)
		return statusOK
	})
	fn("proxy_get_shared_data", func(ctx context.Context, m api.Module, kp, kl, outPtr, outLen, outCas uint32) uint32 {
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
	fn("proxy_set_shared_data", func(ctx context.Context, m api.Module, kp, kl, vp, vl, cas uint32) uint32 {
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
	fn("proxy_define_metric", func(ctx context.Context, m api.Module, typ, np, nl, outID uint32) uint32 {
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
	fn("proxy_increment_metric", func(ctx context.Context, id uint32, delta int64) uint32 {
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
	fn("proxy_record_metric", func(ctx context.Context, id uint32, value uint64) uint32 {
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
	fn("proxy_get_metric", func(ctx context.Context, m api.Module, id, out uint32) uint32 {
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
	_, err := b.Instantiate(ctx)
	return err
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

// composeLocalReply builds what Envoy sends for proxy_send_local_response
// (docs/host.md#pausing-continuing-and-local-replies): plugin headers lower-cased; a non-empty body
// gets content-length and, unless given, content-type text/plain.
func composeLocalReply(status int, details string, headers [][2]string, body []byte) *Response {
	r := &Response{Status: status, Details: details, Body: body}
	hasType := false
	for _, kv := range headers {
		k := strings.ToLower(kv[0])
		if k == "content-type" {
			hasType = true
		}
		r.Headers = append(r.Headers, [2]string{k, kv[1]})
	}
	if len(body) > 0 && !hasType {
		r.Headers = append(r.Headers, [2]string{"content-type", "text/plain"})
	}
	return r
}

// dispatch performs an http call and delivers the response to the VM's root context on the
// VM's thread. Timeouts and connection failures arrive as Envoy's router would synthesize
// them: 504 "upstream request timeout", 503 "upstream connect error …" (docs/host.md#http-calls).
func (vm *VM) dispatch(c *Cluster, token uint32, method, path, authority string, headers [][2]string, body []byte, timeout time.Duration) {
	resp := doClusterRequest(c, method, path, authority, headers, body, timeout)
	vm.post(func() {
		if vm.failed || vm.p.closed.Load() {
			return
		}
		vm.callResp = resp
		vm.call(context.Background(), rootID, "proxy_on_http_call_response", rootID, uint64(token), uint64(len(resp.headers)), uint64(len(resp.body)), 0)
		vm.callResp = nil
		vm.afterCall()
	})
}

func doClusterRequest(c *Cluster, method, path, authority string, headers [][2]string, body []byte, timeout time.Duration) *callResponse {
	client := c.Client
	if client == nil {
		// Envoy's async client neither asks for compression nor decodes it: the plugin gets
		// the body bytes as the IdP sent them.
		tr := &http.Transport{DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, DisableCompression: true}
		if c.TLS {
			tr.TLSClientConfig = &tls.Config{ServerName: orDefault(c.SNI, strings.Split(authority, ":")[0])}
		}
		client = &http.Client{Transport: tr}
	}
	scheme := "http"
	if c.TLS {
		scheme = "https"
	}
	ctx := context.Background()
	if timeout > 0 { // 0 means no timeout at all (docs/host.md#http-calls)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, scheme+"://"+c.Address+path, strings.NewReader(string(body)))
	if err != nil {
		return synthesized(503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure")
	}
	req.Host = authority
	for _, kv := range headers {
		if !strings.HasPrefix(kv[0], ":") {
			req.Header.Add(kv[0], kv[1])
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return synthesized(504, "upstream request timeout")
		}
		return synthesized(503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return synthesized(504, "upstream request timeout")
		}
		return &callResponse{} // a reset mid-body: (0,0,0) (docs/host.md#http-calls)
	}
	out := &callResponse{headers: [][2]string{{":status", itoa(resp.StatusCode)}}, body: data}
	for k, vs := range resp.Header {
		for _, v := range vs {
			out.headers = append(out.headers, [2]string{strings.ToLower(k), v})
		}
	}
	return out
}

func synthesized(status int, body string) *callResponse {
	return &callResponse{headers: [][2]string{{":status", itoa(status)}, {"content-type", "text/plain"}}, body: []byte(body)}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}
