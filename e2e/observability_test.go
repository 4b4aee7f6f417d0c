package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/demoidp"
	"github.com/jwtguard/jwtguard/e2e/devproxy"
)

// syncBuffer is an access-log sink read while devproxy writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDecisionInAccessLogAndPrometheus: through devproxy serving envoy/demo.yaml (its access
// log and stats_tags as written), each request's access-log line shows jwtguard's decision
// and provider and never the token, and /stats/prometheus shows one rejection metric with
// reason and provider labels.
func TestDecisionInAccessLogAndPrometheus(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(demoidp.Echo))
	defer upstream.Close()
	idp, idpAddr := localDemoIdP(t)
	cfg := demoConfig(t, upstream.URL, true)
	useDemoIdP(cfg, idp, idpAddr)
	accessLog := &syncBuffer{}
	p, logs := startProxy(t, cfg, devproxy.Options{Concurrency: 1, AccessLog: accessLog})
	base := "http://" + p.Listeners[0].Addr().String()
	admin := "http://" + p.Listeners[1].Addr().String()
	get := func(url, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	valid, err := idp.Token("RS256", "alice", "orders:read", time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := idp.Token("RS256", "alice", "orders:read", -time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		path, token string
		status      int
		line        string // what the request's access-log line must contain
	}{
		{"/api/x", valid, 200, `"GET /api/x" 200 via_upstream jwtguard=allowed provider=demo claims={"sub":"alice"}`},
		{"/api/x", "", 401, `"GET /api/x" 401 jwtguard_missing_token jwtguard=missing_token provider=- claims=-`},
		{"/api/x", expired, 401, `"GET /api/x" 401 jwtguard_token_expired jwtguard=token_expired provider=demo claims=-`},
		{"/healthz", "", 200, `"GET /healthz" 200 via_upstream jwtguard=allowed_open_route provider=- claims=-`},
	}
	for _, st := range steps {
		if status := get(base+st.path, st.token); status != st.status {
			t.Fatalf("%s: status %d, want %d\n%s", st.path, status, st.status, logs.text())
		}
	}
	lines := strings.Split(strings.TrimSpace(accessLog.String()), "\n")
	if len(lines) != len(steps) {
		t.Fatalf("%d access-log lines for %d requests:\n%s", len(lines), len(steps), accessLog.String())
	}
	for i, st := range steps {
		if !strings.Contains(lines[i], st.line) {
			t.Errorf("access-log line %d:\n%s\nwant it to contain\n%s", i, lines[i], st.line)
		}
		for _, part := range strings.Split(valid+"."+expired, ".") {
			if len(part) > 8 && strings.Contains(lines[i], part) {
				t.Errorf("access-log line %d holds part of a token: %s", i, lines[i])
			}
		}
	}

	wants := []string{
		"# TYPE jwtguard_rejected counter\n",
		`jwtguard_rejected{reason="missing_token"} 1` + "\n",
		`jwtguard_rejected{reason="token_expired",provider="demo"} 1` + "\n",
		`jwtguard_rejected{reason="bad_signature"} 0` + "\n",
		`jwtguard_allowed{provider="demo"} 1` + "\n",
		"jwtguard_allowed_open_route{} 1\n",
	}
	prom := statsWhenTicked(t, admin+"/stats/prometheus", wants...)
	for _, want := range wants {
		if !strings.Contains(prom, want) {
			t.Errorf("/stats/prometheus lacks %q:\n%s", want, prom)
		}
	}
	if strings.Contains(prom, "jwtguard_rejected_reason") {
		t.Errorf("a reason reached a metric name instead of a label:\n%s", prom)
	}
}
