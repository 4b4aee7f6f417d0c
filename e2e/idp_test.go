package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// testIdP serves a JWKS whose content and health a test controls, and counts fetches.
type testIdP struct {
	srv     *httptest.Server
	mu      sync.Mutex
	jwks    []byte
	status  int    // 0: 200 with jwks
	body    []byte // with status != 0
	fetches atomic.Int64
}

func newTestIdP(t *testing.T, keys ...*mint.Key) *testIdP {
	idp := &testIdP{jwks: mint.JWKS(keys...)}
	idp.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/jwks" {
			http.NotFound(w, r)
			return
		}
		idp.fetches.Add(1)
		idp.mu.Lock()
		status, body, jwks := idp.status, idp.body, idp.jwks
		idp.mu.Unlock()
		if status != 0 {
			w.WriteHeader(status)
			w.Write(body)
			return
		}
		w.Header().Set("content-type", "application/json")
		w.Write(jwks)
	}))
	t.Cleanup(idp.srv.Close)
	return idp
}

// newSlowTestIdP is newTestIdP answering every request after delay: long enough for a test
// to act while a fetch is in flight.
func newSlowTestIdP(t *testing.T, delay time.Duration, keys ...*mint.Key) *testIdP {
	idp := newTestIdP(t, keys...)
	serve := idp.srv.Config.Handler
	idp.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		serve.ServeHTTP(w, r)
	})
	return idp
}

func (idp *testIdP) addr() string { return strings.TrimPrefix(idp.srv.URL, "http://") }

func (idp *testIdP) publish(keys ...*mint.Key) {
	idp.mu.Lock()
	idp.jwks, idp.status = mint.JWKS(keys...), 0
	idp.mu.Unlock()
}

func (idp *testIdP) fail(status int, body string) {
	idp.mu.Lock()
	idp.status, idp.body = status, []byte(body)
	idp.mu.Unlock()
}
