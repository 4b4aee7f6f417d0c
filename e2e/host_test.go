package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/internal/mint"
)

var e2eKeys = mint.MustKeys()

const e2eIssuer = "https://idp.test/"

func e2eConfig(extra string) string {
	return `{"providers":{"idp":{"issuer":"` + e2eIssuer + `","audiences":["orders"],
  "remote_jwks":{"cluster":"idp","authority":"idp.test","path":"/jwks","refresh_interval":"60s","timeout":"2s","refetch_min_interval":"5s"},
  "claims_to_headers":[{"claim":"sub","header":"x-jwt-sub"}]` + extra + `}},
 "rules":[{"match":{"prefix":"/healthz"}},
          {"match":{"prefix":"/admin"},"require":{"scopes":["admin"]}},
          {"match":{"prefix":"/api"},"require":{}}]}`
}

// upstreamRecorder is the service behind the proxy: it records what reaches it.
type upstreamRecorder struct {
	mu   sync.Mutex
	reqs []*envoyhost.Request
}

func (u *upstreamRecorder) serve(_ context.Context, r *envoyhost.Request) (*envoyhost.Response, error) {
	u.mu.Lock()
	u.reqs = append(u.reqs, r)
	u.mu.Unlock()
	return &envoyhost.Response{Status: 200, Body: []byte("ok"), Headers: [][2]string{{"content-type", "text/plain"}}}, nil
}

func (u *upstreamRecorder) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

func (u *upstreamRecorder) last() *envoyhost.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.reqs[len(u.reqs)-1]
}

func header(hs [][2]string, name string) (string, bool) {
	for _, kv := range hs {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}

type proxyEnv struct {
	t        *testing.T
	host     *envoyhost.Host
	plugin   *envoyhost.Plugin
	idp      *testIdP
	upstream *upstreamRecorder
	logs     *logSink
	clock    *hostClock
}

// hostClock is the proxy's wall clock, which tests move forward to reach refresh times.
type hostClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *hostClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *hostClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) add(_ int, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, msg)
	l.mu.Unlock()
}

func (l *logSink) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func pluginWasm(t *testing.T) []byte {
	code := wasmCode(t, "JWTGUARD_WASM", ".")
	return code
}

var wasmOnce struct {
	sync.Once
	code []byte
}

func sharedPluginWasm(t *testing.T) []byte {
	wasmOnce.Do(func() { wasmOnce.code = pluginWasm(t) })
	return wasmOnce.code
}

func newProxyEnv(t *testing.T, profile envoyhost.Profile, workers int, idp *testIdP, config string) *proxyEnv {
	t.Helper()
	ctx := context.Background()
	logs := &logSink{}
	clock := &hostClock{}
	h, err := envoyhost.New(ctx, envoyhost.Options{Profile: profile, Workers: workers, Now: clock.now,
		Clusters: map[string]*envoyhost.Cluster{"idp": {Address: idp.addr()}}, Log: logs.add})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	p, err := h.LoadPlugin(ctx, sharedPluginWasm(t), envoyhost.PluginConfig{Name: "jwtguard", RootID: "jwtguard", VMID: "jwtguard", Configuration: []byte(config)})
	if err != nil {
		t.Fatalf("LoadPlugin: %v\n%s", err, logs.text())
	}
	t.Cleanup(func() { p.Close(ctx) })
	return &proxyEnv{t: t, host: h, plugin: p, idp: idp, upstream: &upstreamRecorder{}, logs: logs, clock: clock}
}

func (e *proxyEnv) get(path string, headers ...[2]string) *envoyhost.Response {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := e.plugin.Handle(ctx, &envoyhost.Request{Method: "GET", Path: path, Authority: "api.test", Headers: headers}, e.upstream.serve)
	if r == nil {
		e.t.Fatal("no response")
	}
	return r
}

func tokenFor(t *testing.T, k *mint.Key, overrides map[string]any) string {
	now := time.Now().Unix()
	c := map[string]any{"iss": e2eIssuer, "aud": "orders", "sub": "alice", "exp": now + 600, "iat": now - 5, "nbf": now - 5, "scope": "read"}
	for name, v := range overrides {
		if v == nil {
			delete(c, name)
		} else {
			c[name] = v
		}
	}
	tok, err := k.Sign(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func auth(tok string) [2]string { return [2]string{"authorization", "Bearer " + tok} }
