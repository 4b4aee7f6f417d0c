package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// TestRegressionHeldTokenOutlivesTheHeaderBuffer: the request path reads the request's
// headers into a buffer that the next request reuses (abi.GetHttpRequestHeadersTransient,
// issue 19), so a request held for keys must keep its own copy of its token. A request is
// held for the first JWKS fetch while other requests, whose headers cover the held token's
// bytes, go through the same VM; when the keys arrive the held request is verified with
// its own token and its own sub reaches the upstream.
func TestRegressionHeldTokenOutlivesTheHeaderBuffer(t *testing.T) {
	idp := newSlowTestIdP(t, 300*time.Millisecond, e2eKeys.RSA)
	e := newProxyEnv(t, suiteProfile(t), 1, idp, e2eConfig(""))
	tok := tokenFor(t, e2eKeys.RSA, map[string]any{"sub": "held-client"})
	held := make(chan *envoyhost.Response, 1)
	go func() { held <- e.get("/api/orders", auth(tok)) }()

	filler := [2]string{"x-filler", strings.Repeat("Z", len(tok)+64)}
	deadline := time.Now().Add(10 * time.Second)
	var r *envoyhost.Response
	for sent := 0; r == nil; sent++ {
		select {
		case r = <-held:
			if sent == 0 {
				t.Fatal("the request was answered before any other request went through: it was not held")
			}
		default:
			if time.Now().After(deadline) {
				t.Fatal("the held request was never answered")
			}
			if o := e.get("/healthz", filler); o.Status != 200 {
				t.Fatalf("open route: %d %s", o.Status, o.Body)
			}
		}
	}
	if r.Status != 200 {
		t.Fatalf("held request: %d %s", r.Status, r.Body)
	}
	e.upstream.mu.Lock()
	defer e.upstream.mu.Unlock()
	for _, req := range e.upstream.reqs {
		if req.Path != "/api/orders" {
			continue
		}
		if v, _ := header(req.Headers, "x-jwt-sub"); v != "held-client" {
			t.Fatalf("the upstream got x-jwt-sub %q, want the held token's sub", v)
		}
		return
	}
	t.Fatal("the held request did not reach the upstream")
}
