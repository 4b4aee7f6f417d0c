// Command guest is a small proxy-wasm plugin used only by the binding's end-to-end test
// (e2e/binding_test.go): it exercises every part of internal/abi the filter relies on and
// reports what it saw, so the test can assert the binding's wire behaviour in a real host.
//
//   - plugin start: reads the plugin configuration and sets a tick period;
//   - request headers on /echo: reads one header and all pairs, and answers with a local
//     reply whose body lists them and whose details are "guest_echo";
//   - request headers on /call: dispatches an http call to cluster "upstream", pauses, and
//     on the response adds the call's status and body length to the request and resumes;
//   - /panic panics (the binding recovers it and answers 500); /fatal recurses until the
//     VM's call stack overflows, which no recover can catch: the VM traps, as in Envoy;
//   - /sleep sleeps 1 ms, which makes the Go runtime call WASI poll_oneoff (ENOSYS before
//     proxy-wasm-cpp-host #533, a fatal error for the runtime);
//   - /status makes hostcalls with bad arguments and answers with the errors it got;
//   - anything else continues, with header "x-guest-config" set to the configuration.
package main

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/abi"
)

func main() {}

func init() { abi.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	config string
	ticks  abi.Counter
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	cfg, err := abi.GetPluginConfiguration()
	if err != nil {
		abi.LogCritical("guest: no configuration: " + err.Error())
		return types.OnPluginStartStatusFailed
	}
	p.config = string(cfg)
	p.ticks = abi.DefineCounter("guest_ticks")
	if err := abi.SetTickPeriodMilliSeconds(1000); err != nil {
		return types.OnPluginStartStatusFailed
	}
	abi.LogInfo("guest: configured")
	return types.OnPluginStartStatusOK
}

func (p *plugin) OnTick() { p.ticks.Increment(1) }

func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream{plugin: p} }

type stream struct {
	types.DefaultHttpContext
	plugin *plugin
}

func (s *stream) OnHttpRequestHeaders(numHeaders int, _ bool) types.Action {
	path, err := abi.GetHttpRequestHeader(":path")
	if err != nil {
		abi.LogError("guest: no :path: " + err.Error())
		return types.ActionContinue
	}
	switch path {
	case "/sleep":
		time.Sleep(time.Millisecond)
		_ = abi.SendHttpResponse(200, "guest slept", nil, []byte("slept"), -1)
		return types.ActionPause
	case "/env":
		// The WASI environ, as the Go runtime read it during _initialize.
		body := "GOGC=" + os.Getenv("GOGC") + " JWTGUARD_GUEST=" + os.Getenv("JWTGUARD_GUEST") + " n=" + strconv.Itoa(len(os.Environ()))
		_ = abi.SendHttpResponse(200, "guest env", nil, []byte(body), -1)
		return types.ActionPause
	case "/status":
		_ = abi.SendHttpResponse(200, "guest status", nil, []byte(statusReport()), -1)
		return types.ActionPause
	case "/panic":
		panic("guest: deliberate panic")
	case "/fatal":
		return types.Action(recurse(1))
	case "/echo":
		pairs, err := abi.GetHttpRequestHeaders()
		if err != nil {
			abi.LogError("guest: no headers: " + err.Error())
			return types.ActionContinue
		}
		var b strings.Builder
		b.WriteString("headers=" + strconv.Itoa(numHeaders) + " pairs=" + strconv.Itoa(len(pairs)) + "\n")
		for _, p := range pairs {
			b.WriteString(p[0] + ": " + p[1] + "\n")
		}
		_ = abi.SendHttpResponse(200, "guest echo", [][2]string{{"x-guest", "echo"}}, []byte(b.String()), -1)
		return types.ActionPause
	case "/call":
		_, err := abi.DispatchHttpCall("upstream",
			[][2]string{{":method", "GET"}, {":path", "/data"}, {":authority", "upstream"}}, nil, nil, 5000,
			func(_, bodySize, _ int) {
				headers, _ := abi.GetHttpCallResponseHeaders()
				status := ""
				for _, h := range headers {
					if h[0] == ":status" {
						status = h[1]
					}
				}
				_ = abi.ReplaceHttpRequestHeader("x-call-status", status)
				_ = abi.ReplaceHttpRequestHeader("x-call-body-bytes", strconv.Itoa(bodySize))
				_ = abi.ResumeHttpRequest()
			})
		if err != nil {
			_ = abi.SendHttpResponse(500, "guest call failed", nil, []byte(err.Error()), -1)
		}
		return types.ActionPause
	}
	_ = abi.ReplaceHttpRequestHeader("x-guest-config", s.plugin.config)
	return types.ActionContinue
}

// recurse never returns: the goroutine stack limit is a fatal error, not a panic.
func recurse(n int) int { return recurse(n+1) + 1 }

// statusReport runs hostcalls whose status Envoy defines for bad input
// (docs/host.md#hostcalls-jwtguard-uses) and lists the error each returned, one "name: error" line
// each.
func statusReport() string {
	var b strings.Builder
	line := func(name string, err error) {
		msg := "ok"
		if err != nil {
			msg = err.Error()
		}
		b.WriteString(name + ": " + msg + "\n")
	}
	_, err := abi.DispatchHttpCall("no-such-cluster", [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "x"}}, nil, nil, 1000, func(int, int, int) {})
	line("http_call unknown cluster", err)
	_, err = abi.DispatchHttpCall("upstream", [][2]string{{":method", "GET"}, {":path", "/"}}, nil, nil, 1000, func(int, int, int) {})
	line("http_call without :authority", err)
	line("set_effective_context unknown id", abi.SetEffectiveContext(9999))
	_, _, err = abi.GetSharedData("guest-missing")
	line("get_shared_data missing key", err)
	line("set_shared_data new key", abi.SetSharedData("guest-key", []byte("v1"), 0))
	_, cas, _ := abi.GetSharedData("guest-key")
	line("set_shared_data current cas", abi.SetSharedData("guest-key", []byte("v2"), cas))
	line("set_shared_data stale cas", abi.SetSharedData("guest-key", []byte("v3"), cas))
	_, err = abi.GetHttpResponseHeader("content-type")
	line("response header during request", err)
	_, err = abi.GetHttpCallResponseBody(0, 10)
	line("http call body outside its callback", err)
	_, err = abi.GetPluginConfiguration()
	line("plugin configuration outside configure", err)
	return b.String()
}
