package envoyhost

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// registerHTTPCalls registers the hostcalls of HTTP calls (docs/host.md#http-calls).
func (h *Host) registerHTTPCalls(e envExports) {
	e.fn("proxy_http_call", func(ctx context.Context, m api.Module, up, ul, hp, hl, bp, bl, tp, tl, timeout, outToken uint32) uint32 {
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
	e.fn("proxy_get_status", func(ctx context.Context, m api.Module, outCode, outPtr, outLen uint32) uint32 {
		vm := enter(ctx, "proxy_get_status")
		m.Memory().WriteUint32Le(outCode, vm.status)
		return vm.give(ctx, m, []byte(vm.statusMsg), outPtr, outLen)
	})
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
