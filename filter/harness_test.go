package filter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

const (
	testIssuer   = "https://idp.example.com/"
	testAudience = "orders-api"
	jwksCluster  = "idp"
	jwksPath     = "/.well-known/jwks.json"
)

// testKeys are generated once per test binary: RSA key generation is the slow part.
var testKeys = mint.MustKeys()

// testClock is a settable clock for the plugin.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newTestClock() *testClock               { return &testClock{t: time.Unix(1_800_000_000, 0)} }

// harness runs the filter under the SDK's proxytest emulator.
type harness struct {
	t      testing.TB
	host   proxytest.HostEmulator
	clock  *testClock
	plugin *pluginState // the root context the host started
}

// capturingVM keeps the plugin context it creates, so that tests can reach the VM's state.
type capturingVM struct {
	*vmContext
	plugin *pluginState
}

func (c *capturingVM) NewPluginContext(id uint32) types.PluginContext {
	c.plugin = c.vmContext.NewPluginContext(id).(*pluginState)
	return c.plugin
}

func newHarness(t testing.TB, config string) *harness {
	t.Helper()
	clock := newTestClock()
	vm := &capturingVM{vmContext: &vmContext{now: clock.now}}
	opt := proxytest.NewEmulatorOption().
		WithVMContext(vm).
		WithPluginConfiguration([]byte(config))
	host, release := proxytest.NewHostEmulator(opt)
	t.Cleanup(release)
	h := &harness{t: t, host: host, clock: clock}
	if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
		t.Fatalf("plugin did not start: %v; critical logs: %q", st, host.GetCriticalLogs())
	}
	h.plugin = vm.plugin
	return h
}

// localConfig is a configuration with the test keys as local_jwks.
func localConfig(t testing.TB, extraProvider string) string {
	t.Helper()
	return `{
  "providers": {
    "corp": {
      "issuer": "` + testIssuer + `",
      "audiences": ["` + testAudience + `"],
      "local_jwks": ` + string(mint.JWKS(testKeys.RSA, testKeys.EC)) + `,
      "from_params": ["access_token"],
      "claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}]` + extraProvider + `
    }
  },
  "rules": [
    {"match": {"prefix": "/healthz"}},
    {"match": {"prefix": "/admin"}, "require": {"scopes": ["admin"]}},
    {"match": {"regex": "^/orders/[0-9]+$"}, "require": {"any_scopes": ["orders:read", "orders:admin"]}},
    {"match": {"prefix": "/api"}, "require": {}}
  ]
}`
}

// remoteConfig fetches keys from cluster "idp".
func remoteConfig() string {
	return `{
  "providers": {
    "corp": {
      "issuer": "` + testIssuer + `",
      "audiences": ["` + testAudience + `"],
      "remote_jwks": {"cluster": "` + jwksCluster + `", "authority": "idp.example.com", "path": "` + jwksPath + `",
                      "refresh_interval": "300s", "timeout": "5s", "refetch_min_interval": "30s"},
      "claims_to_headers": [{"claim": "sub", "header": "x-jwt-sub"}]
    }
  },
  "rules": [{"match": {"prefix": "/"}, "require": {}}]
}`
}

// remoteConfigWith is remoteConfig with more remote_jwks members (extra starts with a comma).
func remoteConfigWith(extra string) string {
	return strings.Replace(remoteConfig(), `"refetch_min_interval": "30s"`, `"refetch_min_interval": "30s"`+extra, 1)
}

// claims returns valid claims at the harness clock, with overrides (nil deletes).
func (h *harness) claims(overrides map[string]any) map[string]any {
	now := h.clock.now().Unix()
	c := map[string]any{
		"iss": testIssuer, "aud": testAudience, "sub": "alice",
		"iat": now - 10, "nbf": now - 10, "exp": now + 600,
		"scope": "orders:read profile",
	}
	for k, v := range overrides {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func (h *harness) token(k *mint.Key, overrides map[string]any) string {
	h.t.Helper()
	tok, err := k.Sign(h.claims(overrides), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// request sends request headers and returns the stream id and the action.
func (h *harness) request(method, path string, headers ...[2]string) (uint32, types.Action) {
	id := h.host.InitializeHttpContext()
	hs := append([][2]string{{":method", method}, {":path", path}, {":authority", "api.example.com"}}, headers...)
	return id, h.host.CallOnRequestHeaders(id, hs, true)
}

func bearer(tok string) [2]string { return [2]string{"authorization", "Bearer " + tok} }

// reply is a local response as a test sees it.
type reply struct {
	status  uint32
	headers map[string]string
	body    map[string]string
}

func (h *harness) reply(id uint32) *reply {
	h.t.Helper()
	lr := h.host.GetSentLocalResponse(id)
	if lr == nil {
		return nil
	}
	r := &reply{status: lr.StatusCode, headers: map[string]string{}, body: map[string]string{}}
	for _, kv := range lr.Headers {
		r.headers[strings.ToLower(kv[0])] = kv[1]
	}
	if err := json.Unmarshal(lr.Data, &r.body); err != nil {
		h.t.Fatalf("local reply body is not a JSON object of strings: %q: %v", lr.Data, err)
	}
	return r
}

func header(hs [][2]string, name string) (string, bool) {
	for _, kv := range hs {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}

// counter reads a counter as the host sees it after the plugin's next tick: the counts of the
// request path are batched in the VM until then (counters.go), so they are flushed first.
func (h *harness) counter(name string) uint64 {
	h.flushCounters()
	v, err := h.host.GetCounterMetric(name)
	if err != nil {
		return 0
	}
	return v
}

// flushCounters sends every plugin's batched counts to the host, as its tick does.
func (h *harness) flushCounters() {
	if h.plugin != nil && h.plugin.metrics.batch != nil {
		h.plugin.metrics.batch.flush()
	}
}

func proxytestOption(config string) *proxytest.EmulatorOption {
	return proxytest.NewEmulatorOption().
		WithVMContext(&vmContext{now: newTestClock().now}).
		WithPluginConfiguration([]byte(config))
}

func newEmulator(opt *proxytest.EmulatorOption) (proxytest.HostEmulator, func()) {
	return proxytest.NewHostEmulator(opt)
}
