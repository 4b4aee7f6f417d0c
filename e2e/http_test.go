package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/demoidp"
	"github.com/jwtguard/jwtguard/e2e/devproxy"
	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// TestOverHTTP drives the compiled plugin over real HTTP: client → devproxy (serving
// envoy/demo.yaml, re-pointed at loopback test servers) → echo upstream, keys fetched from
// the demo IdP over HTTP, with 4 workers.
func TestOverHTTP(t *testing.T) {
	for _, profile := range suiteProfiles(t) {
		t.Run(profile.String(), func(t *testing.T) { testOverHTTP(t, profile) })
	}
}

func testOverHTTP(t *testing.T, profile envoyhost.Profile) {
	var upstreamHits atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamHits.Add(1)
		demoidp.Echo(w, r)
	}))
	defer upstream.Close()
	idp, idpAddr := localDemoIdP(t)
	cfg := demoConfig(t, upstream.URL, true)
	useDemoIdP(cfg, idp, idpAddr)
	p, _ := startProxy(t, cfg, devproxy.Options{Concurrency: 4, Profile: profile})
	base := "http://" + p.Listeners[0].Addr().String()
	admin := "http://" + p.Listeners[1].Addr().String()

	do := func(path, token string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("x-jwt-sub", "mallory")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body)
	}
	mint := func(alg, scope string, ttl time.Duration) string {
		tok, err := idp.Token(alg, "alice", scope, ttl, 0)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	// The first request arrives before any key: held for the first fetch, then allowed.
	status, _, body := do("/orders/1", mint("RS256", "orders:read", time.Minute))
	if status != 200 || !strings.Contains(body, "x-jwt-sub: alice") || strings.Contains(body, "mallory") || strings.Contains(strings.ToLower(body), "authorization") {
		t.Fatalf("valid RS256: %d\n%s", status, body)
	}
	if status, _, _ := do("/api/x", mint("ES256", "", time.Minute)); status != 200 {
		t.Fatalf("valid ES256: %d", status)
	}
	before := upstreamHits.Load()
	for _, tc := range []struct {
		path, token string
		status      int
		challenge   string
	}{
		{"/orders/1", "", 401, `Bearer realm="jwtguard"`},
		{"/orders/1", mint("RS256", "orders:read", -time.Minute), 401, `error="invalid_token"`},
		{"/admin/x", mint("RS256", "orders:read", time.Minute), 403, `scope="admin"`},
		{"/unlisted", mint("RS256", "orders:read", time.Minute), 403, ""},
	} {
		status, h, body := do(tc.path, tc.token)
		if status != tc.status || !strings.Contains(h.Get("www-authenticate"), tc.challenge) {
			t.Errorf("%s: %d %q %s", tc.path, status, h.Get("www-authenticate"), body)
		}
	}
	if upstreamHits.Load() != before {
		t.Fatal("rejected requests reached the upstream")
	}
	if status, _, _ := do("/healthz", ""); status != 200 {
		t.Fatalf("open route: %d", status)
	}
	// Rotation: the first request signed with the new kid succeeds at once.
	if _, err := idp.Rotate(); err != nil {
		t.Fatal(err)
	}
	if status, _, body := do("/orders/1", mint("RS256", "orders:read", time.Minute)); status != 200 {
		t.Fatalf("first request after rotation: %d %s", status, body)
	}
	stats := statsWhenTicked(t, admin+"/stats", "jwtguard.rejected.reason.insufficient_scope.provider.demo: 1")
	if !strings.Contains(stats, "jwtguard.rejected.reason.insufficient_scope.provider.demo: 1") {
		t.Fatalf("admin /stats:\n%s", stats)
	}
	if n := idp.Fetches.Load(); n > 3 {
		t.Fatalf("the IdP saw %d fetches for a start and one rotation with 4 workers", n)
	}
}
