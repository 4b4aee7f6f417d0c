package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

// TestVerdicts: the compiled plugin in the Envoy-like host, 2 workers, keys from a real IdP
// over HTTP. Every rejected request is answered at the proxy: the upstream never sees it.
func TestVerdicts(t *testing.T) {
	for _, profile := range suiteProfiles(t) {
		t.Run(profile.String(), func(t *testing.T) {
			idp := newTestIdP(t, e2eKeys.RSA, e2eKeys.EC)
			e := newProxyEnv(t, profile, 2, idp, e2eConfig(""))
			e.plugin.Tick() // first fetch
			now := time.Now().Unix()
			tampered := func(tok string) string {
				i := strings.LastIndexByte(tok, '.')
				b := []byte(tok)
				if b[i+5] == 'A' {
					b[i+5] = 'B'
				} else {
					b[i+5] = 'A'
				}
				return string(b)
			}
			rsaTok := tokenFor(t, e2eKeys.RSA, nil)
			parts := strings.Split(rsaTok, ".")
			tests := []struct {
				name      string
				path      string
				headers   [][2]string
				status    int
				reason    string
				challenge string // substring of WWW-Authenticate
			}{
				{"valid RS256", "/api/orders", [][2]string{auth(rsaTok), {"x-jwt-sub", "mallory"}}, 200, "", ""},
				{"valid ES256", "/api/orders", [][2]string{auth(tokenFor(t, e2eKeys.EC, map[string]any{"sub": "bob"}))}, 200, "", ""},
				{"open route without token", "/healthz", nil, 200, "", ""},
				{"no token", "/api/orders", nil, 401, "missing_token", `Bearer realm="jwtguard"`},
				{"expired", "/api/orders", [][2]string{auth(tokenFor(t, e2eKeys.RSA, map[string]any{"exp": now - 3600}))}, 401, "token_expired", `error="invalid_token"`},
				{"not yet valid", "/api/orders", [][2]string{auth(tokenFor(t, e2eKeys.RSA, map[string]any{"nbf": now + 3600}))}, 401, "token_not_yet_valid", `error="invalid_token"`},
				{"wrong issuer", "/api/orders", [][2]string{auth(tokenFor(t, e2eKeys.RSA, map[string]any{"iss": "https://evil.test/"}))}, 401, "unknown_issuer", `error="invalid_token"`},
				{"wrong audience", "/api/orders", [][2]string{auth(tokenFor(t, e2eKeys.RSA, map[string]any{"aud": "billing"}))}, 401, "wrong_audience", `error="invalid_token"`},
				{"bad signature", "/api/orders", [][2]string{auth(tampered(rsaTok))}, 401, "bad_signature", `error="invalid_token"`},
				{"alg none", "/api/orders", [][2]string{auth("eyJhbGciOiJub25lIn0." + parts[1] + ".")}, 401, "malformed_token", `error="invalid_token"`},
				{"missing scope", "/admin/x", [][2]string{auth(rsaTok)}, 403, "insufficient_scope", `scope="admin"`},
				{"unmatched route", "/other", [][2]string{auth(rsaTok)}, 403, "no_matching_rule", ""},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					before := e.upstream.count()
					r := e.get(tc.path, tc.headers...)
					if r.Status != tc.status {
						t.Fatalf("status %d, want %d; body %s; details %s", r.Status, tc.status, r.Body, r.Details)
					}
					if tc.status != 200 {
						if e.upstream.count() != before {
							t.Fatal("a rejected request reached the upstream")
						}
						if r.Details != "jwtguard_"+tc.reason || !strings.Contains(string(r.Body), `"reason":"`+tc.reason+`"`) {
							t.Fatalf("details %q body %s, want reason %s", r.Details, r.Body, tc.reason)
						}
						if tc.challenge != "" && !strings.Contains(r.Header("www-authenticate"), tc.challenge) {
							t.Fatalf("WWW-Authenticate %q lacks %q", r.Header("www-authenticate"), tc.challenge)
						}
						return
					}
					if e.upstream.count() != before+1 {
						t.Fatal("an allowed request did not reach the upstream")
					}
					up := e.upstream.last()
					if _, ok := header(up.Headers, "authorization"); ok {
						t.Fatal("the upstream received the token (forward is false)")
					}
					if tc.path != "/healthz" {
						if v, _ := header(up.Headers, "x-jwt-sub"); v != "alice" && v != "bob" {
							t.Fatalf("upstream x-jwt-sub = %q", v)
						}
					} else if _, ok := header(up.Headers, "x-jwt-sub"); ok {
						t.Fatal("spoofed claim header reached the upstream")
					}
				})
			}
			if n := e.plugin.Failed(); n != 0 {
				t.Fatalf("%d VMs trapped\n%s", n, e.logs.text())
			}
			if strings.Contains(e.logs.text(), parts[2][:20]) || strings.Contains(e.logs.text(), parts[1][:30]) {
				t.Fatal("a token reached the logs")
			}
		})
	}
}

// TestRotationWithoutA401Storm: the IdP starts signing with a new kid; the first request
// with it succeeds without waiting for refresh_interval. A key that leaves the JWKS stops
// verifying after the next refresh, cached tokens included.
func TestRotationWithoutA401Storm(t *testing.T) {
	idp := newTestIdP(t, e2eKeys.RSA)
	e := newProxyEnv(t, suiteProfile(t), 2, idp, e2eConfig(""))
	e.plugin.Tick()
	old := tokenFor(t, e2eKeys.RSA, nil)
	if r := e.get("/api/x", auth(old)); r.Status != 200 {
		t.Fatalf("before rotation: %d %s", r.Status, r.Body)
	}
	idp.publish(e2eKeys.RSA, e2eKeys.RSA2)
	rotated := tokenFor(t, e2eKeys.RSA2, nil)
	if r := e.get("/api/x", auth(rotated)); r.Status != 200 {
		t.Fatalf("first request with the new kid: %d %s", r.Status, r.Body)
	}
	// The old key is retired; after the next refresh its tokens, cached or not, are refused.
	idp.publish(e2eKeys.RSA2)
	fetches := idp.fetches.Load()
	succeeded := hostStat(e.host.StatsText(), "jwtguard.jwks.fetch_success")
	e.clock.advance(61 * time.Second)
	waitFor(t, func() bool {
		e.plugin.Tick()
		return idp.fetches.Load() > fetches
	}, 10*time.Second, "a refresh after refresh_interval")
	// The IdP counting the request is not the plugin having the answer: wait until the VM that
	// fetched has installed the new set, then tick once, after which every VM has adopted it
	// (sharedrecord.go). Without this the request could reach a worker between the two steps.
	waitFor(t, func() bool {
		e.plugin.Sync()
		return hostStat(e.host.StatsText(), "jwtguard.jwks.fetch_success") > succeeded
	}, 10*time.Second, "the refreshed key set installed")
	e.plugin.Sync() // the counter moves first in the callback that publishes the set
	e.plugin.Tick()
	r := e.get("/api/x", auth(old))
	if r.Status != 401 {
		t.Fatalf("token of a removed key after refresh: %d %s", r.Status, r.Body)
	}
}

// hostStat is the value of one counter or gauge in the host's stats text ("name: value"
// lines), 0 when absent.
func hostStat(stats, name string) int64 {
	for _, line := range strings.Split(stats, "\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

func waitFor(t *testing.T, cond func() bool, max time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(max)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIdPOutage: down at start → 503 with Retry-After, then recovery; down later (500 or
// garbage) → last-good keys keep working.
func TestIdPOutage(t *testing.T) {
	idp := newTestIdP(t, e2eKeys.RSA)
	idp.fail(500, "internal error")
	e := newProxyEnv(t, suiteProfile(t), 2, idp, e2eConfig(""))
	tok := tokenFor(t, e2eKeys.RSA, nil)
	r := e.get("/api/x", auth(tok))
	if r.Status != 503 || r.Header("retry-after") == "" || r.Details != "jwtguard_keys_unavailable" {
		t.Fatalf("IdP down at start: %d %q %s", r.Status, r.Header("retry-after"), r.Body)
	}
	idp.publish(e2eKeys.RSA)
	waitFor(t, func() bool {
		e.clock.advance(2 * time.Second) // past the failure backoff
		e.plugin.Tick()
		return e.get("/api/x", auth(tok)).Status == 200
	}, 10*time.Second, "recovery once the IdP is up")
	for _, bad := range []struct {
		status int
		body   string
	}{{500, "oops"}, {200, "<html>not json</html>"}} {
		idp.fail(bad.status, bad.body)
		before := idp.fetches.Load()
		e.clock.advance(61 * time.Second)
		waitFor(t, func() bool { e.plugin.Tick(); return idp.fetches.Load() > before }, 10*time.Second, "a failed refresh")
		if r := e.get("/api/x", auth(tokenFor(t, e2eKeys.RSA, map[string]any{"jti": bad.body}))); r.Status != 200 {
			t.Fatalf("last-good keys lost after IdP answered %d: %d %s", bad.status, r.Status, r.Body)
		}
	}
}

// TestOneFetchPerRefreshWithFourWorkers: 4 workers + the main thread tick independently; the
// IdP sees one fetch.
func TestOneFetchPerRefreshWithFourWorkers(t *testing.T) {
	idp := newTestIdP(t, e2eKeys.RSA)
	e := newProxyEnv(t, suiteProfile(t), 4, idp, e2eConfig(""))
	for i := 0; i < 5; i++ {
		e.plugin.Tick()
		time.Sleep(20 * time.Millisecond)
	}
	e.plugin.Sync()
	if n := idp.fetches.Load(); n != 1 {
		t.Fatalf("the IdP saw %d fetches from 5 VMs, want 1", n)
	}
	for i := 0; i < 8; i++ { // every worker serves with the shared keys
		if r := e.get("/api/x", auth(tokenFor(t, e2eKeys.RSA, nil))); r.Status != 200 {
			t.Fatalf("request %d: %d %s", i, r.Status, r.Body)
		}
	}
	if n := idp.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches after serving, want 1", n)
	}
}

// TestInvalidConfigurationRefused: the canary refuses it, naming the field, as Envoy
// refuses the filter.
func TestInvalidConfigurationRefused(t *testing.T) {
	ctx := context.Background()
	logs := &logSink{}
	h, err := envoyhost.New(ctx, envoyhost.Options{Profile: suiteProfile(t), Workers: 1, ManualTicks: true, Log: logs.add})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	_, err = h.LoadPlugin(ctx, sharedPluginWasm(t), envoyhost.PluginConfig{Name: "jwtguard", Configuration: []byte(`{"providers":{"idp":{"issuer":"x","local_jwks":{"keys":[]}}},"rules":[{"match":{"prefix":"/"}}]}`)})
	if err == nil {
		t.Fatal("an invalid configuration was accepted")
	}
	if !strings.Contains(logs.text(), "providers.idp.local_jwks") {
		t.Fatalf("the plugin's message does not name the field: %s", logs.text())
	}
}

// TestFetchOutlivesTheRequestThatStartedIt: the first request starts the JWKS fetch and its
// client goes away before the IdP answers. The answer still installs the keys (it is run in
// the root context), so a second request held meanwhile is served from that one fetch.
func TestFetchOutlivesTheRequestThatStartedIt(t *testing.T) {
	idp := newSlowTestIdP(t, 300*time.Millisecond, e2eKeys.RSA)
	e := newProxyEnv(t, suiteProfile(t), 1, idp, e2eConfig(""))
	tok := tokenFor(t, e2eKeys.RSA, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if r := e.plugin.Handle(ctx, &envoyhost.Request{Method: "GET", Path: "/api/x", Authority: "a", Headers: [][2]string{auth(tok)}}, e.upstream.serve); r != nil {
		t.Fatalf("the first client should have given up, got %d", r.Status)
	}
	if r := e.get("/api/x", auth(tok)); r.Status != 200 {
		t.Fatalf("second request: %d %s", r.Status, r.Body)
	}
	if n := idp.fetches.Load(); n != 1 {
		t.Fatalf("the IdP saw %d fetches, want 1: the first fetch's answer was lost", n)
	}
}
