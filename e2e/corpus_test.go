package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/demoidp"
	"github.com/jwtguard/jwtguard/e2e/devproxy"
	"github.com/jwtguard/jwtguard/internal/corpus"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// guard is the compiled plugin in devproxy in front of an echo upstream, fetching the
// corpus provider's keys from an IdP handler the test controls.
type guard struct {
	t          *testing.T
	base       string
	admin      string
	upstreamOK atomic.Int64
	logs       *logSink
}

// startGuard starts devproxy with the corpus configuration; remote holds extra
// remote_jwks members and top extra top-level members (each starting with a comma).
func startGuard(t *testing.T, idp http.Handler, remote, top string, workers int) *guard {
	t.Helper()
	g := &guard{t: t, logs: &logSink{}}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.upstreamOK.Add(1)
		demoidp.Echo(w, r)
	}))
	t.Cleanup(upstream.Close)
	idpSrv := httptest.NewServer(idp)
	t.Cleanup(idpSrv.Close)
	idpAddr := strings.TrimPrefix(idpSrv.URL, "http://")
	plugin := `{"providers": {"corp": {` + corpus.Provider() + `,
      "remote_jwks": {"cluster": "idp", "authority": "` + idpAddr + `", "path": "/jwks"` + remote + `}}},
    "rules": ` + corpus.Rules + top + `}`
	cfg := &devproxy.Config{
		Listeners: []devproxy.Listener{{Name: "guard", Address: "127.0.0.1:0",
			Routes: []devproxy.Route{{Prefix: "/", Cluster: "upstream"}},
			Wasm:   &devproxy.WasmFilter{Name: "jwtguard", Filename: wasmPath(t, "JWTGUARD_WASM", "."), Configuration: []byte(plugin)}}},
		Clusters: map[string]devproxy.ClusterConfig{
			"idp":      {Address: idpAddr},
			"upstream": {Address: strings.TrimPrefix(upstream.URL, "http://")},
		},
		Admin: "127.0.0.1:0",
	}
	ctx := context.Background()
	p, err := devproxy.Start(ctx, cfg, devproxy.Options{Concurrency: workers, Profile: suiteProfile(t), Log: g.logs.add})
	if err != nil {
		t.Fatalf("%v\n%s", err, g.logs.text())
	}
	t.Cleanup(func() { p.Close(ctx) })
	g.base = "http://" + p.Listeners[0].Addr().String()
	g.admin = "http://" + p.Listeners[1].Addr().String()
	return g
}

// do sends a GET and returns the status and the local reply's reason ("" if the upstream
// answered).
func (g *guard) do(path string, headers ...[2]string) (int, string) {
	g.t.Helper()
	req, err := http.NewRequest("GET", g.base+path, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	for _, kv := range headers {
		req.Header.Add(kv[0], kv[1])
	}
	before := g.upstreamOK.Load()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if g.upstreamOK.Load() != before {
		return resp.StatusCode, ""
	}
	var reply struct{ Reason string }
	if err := json.Unmarshal(body, &reply); err != nil || reply.Reason == "" {
		g.t.Fatalf("%d from the proxy without a reason: %q", resp.StatusCode, body)
	}
	return resp.StatusCode, reply.Reason
}

// counter reads a counter from the admin /stats page.
func (g *guard) counter(name string) int {
	g.t.Helper()
	resp, err := http.Get(g.admin + "/stats")
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(text), "\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// TestAdversarialCorpusOverHTTP: every case of internal/corpus, sent over HTTP to the
// compiled plugin in devproxy (2 workers), gets exactly its status and reason, and no
// refused request reaches the upstream. The key set, with its hostile entries, comes from
// the IdP over HTTP.
func TestAdversarialCorpusOverHTTP(t *testing.T) {
	c, err := corpus.New(e2eKeys, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	g := startGuard(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(c.JWKS) }), "", "", 2)
	for _, tc := range c.Cases {
		status, reason := g.do(tc.Path, tc.Headers...)
		if status != tc.Status || reason != tc.Reason {
			t.Errorf("%s: got %d %q, want %d %q", tc.Name, status, reason, tc.Status, tc.Reason)
		}
	}
	if strings.Contains(g.logs.text(), "eyJ") {
		t.Fatal("a log line holds what looks like a token")
	}
}

// TestIdPAnswerShapes: the plugin holds keys for rsa-1; the IdP then starts to publish
// rsa-2 as well, in one of the shapes below, and a token signed by rsa-2 makes the plugin
// refetch. Shapes that carry a valid key set must make rsa-2 usable; shapes that do not
// must leave the keys in use untouched (rsa-1 still verifies) and count a failed fetch.
func TestIdPAnswerShapes(t *testing.T) {
	both := mint.JWKS(e2eKeys.RSA, e2eKeys.RSA2)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(both)
	zw.Close()
	manyKeys := func(n int) []byte {
		keys := make([]*mint.Key, n)
		for i := range keys {
			keys[i] = e2eKeys.EC
		}
		return mint.JWKS(keys...)
	}
	shapes := []struct {
		name     string
		serve    func(w http.ResponseWriter)
		accepted bool
	}{
		{"plain", func(w http.ResponseWriter) { w.Write(both) }, true},
		{"chunked in 7-byte pieces", func(w http.ResponseWriter) {
			for rest := both; len(rest) > 0; {
				n := min(7, len(rest))
				w.Write(rest[:n])
				w.(http.Flusher).Flush()
				rest = rest[n:]
			}
		}, true},
		{"slow but within the timeout", func(w http.ResponseWriter) {
			time.Sleep(300 * time.Millisecond)
			w.Write(both)
		}, true},
		{"slower than the timeout", func(w http.ResponseWriter) {
			time.Sleep(1500 * time.Millisecond)
			w.Write(both)
		}, false},
		{"truncated (connection closed mid-body)", func(w http.ResponseWriter) {
			w.Header().Set("content-length", strconv.Itoa(len(both)))
			w.Write(both[:len(both)/2])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		}, false},
		{"cut off after 200 bytes with status 200", func(w http.ResponseWriter) { w.Write(both[:200]) }, false},
		{"gzip-compressed without being asked", func(w http.ResponseWriter) {
			w.Header().Set("content-encoding", "gzip")
			w.Write(gz.Bytes())
		}, false},
		{"HTTP 500 with a key set in the body", func(w http.ResponseWriter) {
			w.WriteHeader(500)
			w.Write(both)
		}, false},
		{"HTML error page", func(w http.ResponseWriter) {
			w.Header().Set("content-type", "text/html")
			w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
		}, false},
		{"10 MB", func(w http.ResponseWriter) {
			w.Write(append(both[:len(both)-1], []byte(`,"pad":"`+strings.Repeat("a", 10<<20)+`"}`)...))
		}, false},
		{"10^4 keys", func(w http.ResponseWriter) { w.Write(manyKeys(10000)) }, false},
		{"empty body", func(http.ResponseWriter) {}, false},
	}
	for _, shape := range shapes {
		t.Run(shape.name, func(t *testing.T) {
			var hostile atomic.Bool
			var fetches atomic.Int64
			g := startGuard(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				fetches.Add(1)
				if hostile.Load() {
					shape.serve(w)
					return
				}
				w.Write(mint.JWKS(e2eKeys.RSA))
			}), `, "timeout": "1s", "refetch_min_interval": "1s", "refresh_interval": "1h"`,
				// The largest JWKS size limit, so that 10^4 keys are refused for their number.
				`, "limits": {"max_jwks_bytes": 4194304}`, 2)
			now := time.Now().Unix()
			claims := map[string]any{"iss": corpus.Issuer, "aud": corpus.Audience, "sub": "alice", "exp": now + 600}
			tok1, _ := e2eKeys.RSA.Sign(claims, nil)
			tok2, _ := e2eKeys.RSA2.Sign(claims, nil)
			bearer := func(tok string) [2]string { return [2]string{"authorization", "Bearer " + tok} }
			if status, reason := g.do(corpus.TokenPath, bearer(tok1)); status != 200 {
				t.Fatalf("before: rsa-1 got %d %s", status, reason)
			}
			hostile.Store(true)
			failuresBefore := g.counter("jwtguard.jwks.fetch_failure")
			status, reason := g.do(corpus.TokenPath, bearer(tok2))
			if shape.accepted {
				if status != 200 {
					t.Fatalf("rsa-2 after the refetch: got %d %s, want 200", status, reason)
				}
			} else {
				if status != 401 || reason != "unknown_kid" {
					t.Fatalf("rsa-2 after the refetch: got %d %s, want 401 unknown_kid", status, reason)
				}
				if got := g.counter("jwtguard.jwks.fetch_failure"); got != failuresBefore+1 {
					t.Fatalf("fetch_failure went from %d to %d, want one more", failuresBefore, got)
				}
			}
			if n := fetches.Load(); n != 2 {
				t.Fatalf("the IdP saw %d fetches, want 2 (start, one refetch)", n)
			}
			if status, reason := g.do(corpus.TokenPath, bearer(tok1)); status != 200 {
				t.Fatalf("rsa-1 after the refetch: got %d %s, want 200 (keys in use kept)", status, reason)
			}
		})
	}
}
