package envoyhost

import (
	"context"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// registerStreamControl registers the hostcalls of stream control and the effective context
// (docs/host.md#stream-control, #effective-context, #pausing-continuing-and-local-replies).
func (h *Host) registerStreamControl(e envExports) {
	e.fn("proxy_send_local_response", func(ctx context.Context, m api.Module, status, dp, dl, bp, bl, hp, hl uint32, grpc int32) uint32 {
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
	e.fn("proxy_continue_stream", func(ctx context.Context, typ uint32) uint32 {
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
	e.fn("proxy_close_stream", func(ctx context.Context, typ uint32) uint32 {
		vm := enter(ctx, "proxy_close_stream")
		if s := vm.streams[vm.effective]; s != nil {
			s.pendingResp = &Response{Status: 0, Details: "wasm_close_stream"}
		}
		return statusOK
	})
	e.fn("proxy_set_effective_context", func(ctx context.Context, id uint32) uint32 {
		vm := enter(ctx, "proxy_set_effective_context")
		if _, ok := vm.streams[id]; !ok && id != rootID && id != 0 {
			return statusBadArgument
		}
		vm.effective = id
		return statusOK
	})
	e.fn("proxy_done", func(ctx context.Context) uint32 {
		vm := enter(ctx, "proxy_done")
		if !vm.rootDone {
			return statusNotFound
		}
		return statusOK
	})
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
