package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/demoidp"
	"github.com/jwtguard/jwtguard/e2e/devproxy"
)

// devproxyEnv is devproxy serving envoy/demo.yaml with another plugin configuration and more
// clusters, in front of the echo upstream.
type devproxyEnv struct {
	t    *testing.T
	base string
	logs *logSink
}

func startDevproxy(t *testing.T, pluginConfig string, clusters map[string]string) *devproxyEnv {
	t.Helper()
	upstream := httptest.NewServer(http.HandlerFunc(demoidp.Echo))
	t.Cleanup(upstream.Close)
	cfg := demoConfig(t, upstream.URL, false)
	cfg.Listeners[0].Wasm.Configuration = []byte(pluginConfig)
	for name, addr := range clusters {
		cfg.Clusters[name] = devproxy.ClusterConfig{Address: addr}
	}
	p, logs := startProxy(t, cfg, devproxy.Options{Concurrency: 2, Profile: suiteProfile(t)})
	return &devproxyEnv{t: t, base: "http://" + p.Listeners[0].Addr().String(), logs: logs}
}

// get sends a request with the token and returns the status and the reason of a refusal.
func (e *devproxyEnv) get(path, token string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var refusal struct{ Reason string }
	if resp.StatusCode != 200 {
		_ = json.Unmarshal(body, &refusal)
	}
	return resp.StatusCode, refusal.Reason
}

// TestForgedKidDoesNotBlockARotationOverHTTP (issue 15), as a new user met it: refresh every
// 2s, refetch_min_interval 30s (its default), pending_timeout 10s (default). A made-up kid
// spends the refetch; then the IdP rotates and a client presents a token of the new key: it is
// held until the scheduled refresh and let through, not refused for 30s.
func TestForgedKidDoesNotBlockARotationOverHTTP(t *testing.T) {
	idp := newTestIdP(t, e2eKeys.RSA)
	config := `{"providers":{"idp":{"issuer":"` + e2eIssuer + `","audiences":["orders"],
  "remote_jwks":{"cluster":"idp","authority":"idp.test","path":"/jwks","refresh_interval":"2s","timeout":"1s"}}},
 "rules":[{"match":{"prefix":"/api"},"require":{}}]}`
	e := startDevproxy(t, config, map[string]string{"idp": idp.addr()})
	if status, reason := e.get("/api/x", tokenFor(t, e2eKeys.RSA, nil)); status != 200 {
		t.Fatalf("before rotation: %d %s\n%s", status, reason, e.logs.text())
	}
	if status, reason := e.get("/api/x", tokenFor(t, e2eKeys.EC, nil)); status != 401 || reason != "unknown_kid" {
		t.Fatalf("forged kid: %d %q, want 401 unknown_kid", status, reason)
	}
	idp.publish(e2eKeys.RSA, e2eKeys.RSA2)
	start := time.Now()
	if status, reason := e.get("/api/x", tokenFor(t, e2eKeys.RSA2, nil)); status != 200 {
		t.Fatalf("first token of the rotated key after a forged kid: %d %q after %v, want 200", status, reason, time.Since(start))
	}
}

// TestDiscoveryOverHTTP (issue 15): an IdP serves its discovery document on one cluster and
// its JWKS on another (named in jwks_clusters); tokens verify through devproxy. A discovery
// document naming another issuer is refused: no keys, 503, and a log line saying why.
func TestDiscoveryOverHTTP(t *testing.T) {
	keys := newTestIdP(t, e2eKeys.RSA) // serves /jwks
	var discoveryIssuer atomic.Value
	discoveryIssuer.Store(e2eIssuer)
	disc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("content-type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"issuer": discoveryIssuer.Load().(string), "jwks_uri": "http://" + keys.addr() + "/jwks"})
	}))
	t.Cleanup(disc.Close)
	config := func() string {
		return `{"providers":{"idp":{"issuer":"` + e2eIssuer + `","audiences":["orders"],
  "discovery":{"cluster":"accounts","authority":"accounts.test","refresh_interval":"60s","timeout":"2s",
               "jwks_clusters":{"` + keys.addr() + `":"keys"}}}},
 "rules":[{"match":{"prefix":"/api"},"require":{}}]}`
	}
	clusters := map[string]string{"accounts": strings.TrimPrefix(disc.URL, "http://"), "keys": keys.addr()}

	t.Run("keys on another cluster", func(t *testing.T) {
		e := startDevproxy(t, config(), clusters)
		if status, reason := e.get("/api/x", tokenFor(t, e2eKeys.RSA, nil)); status != 200 {
			t.Fatalf("token of a discovered key: %d %s\n%s", status, reason, e.logs.text())
		}
		keys.publish(e2eKeys.RSA, e2eKeys.RSA2)
		if status, reason := e.get("/api/x", tokenFor(t, e2eKeys.RSA2, nil)); status != 200 {
			t.Fatalf("rotated key refetched at its jwks_uri: %d %s", status, reason)
		}
		if status, reason := e.get("/api/x", tokenFor(t, e2eKeys.RSA, map[string]any{"aud": "billing"})); status != 401 || reason != "wrong_audience" {
			t.Fatalf("wrong audience: %d %s", status, reason)
		}
	})
	t.Run("wrong issuer", func(t *testing.T) {
		discoveryIssuer.Store(strings.TrimSuffix(e2eIssuer, "/"))
		before := keys.fetches.Load()
		e := startDevproxy(t, config(), clusters)
		if status, reason := e.get("/api/x", tokenFor(t, e2eKeys.RSA, nil)); status != 503 || reason != "keys_unavailable" {
			t.Fatalf("discovery naming another issuer: %d %q, want 503 keys_unavailable", status, reason)
		}
		if !strings.Contains(e.logs.text(), "discovery document refused: names issuer") {
			t.Fatalf("no log line says why the discovery document was refused:\n%s", e.logs.text())
		}
		if n := keys.fetches.Load(); n != before {
			t.Fatalf("%d JWKS fetches after a refused discovery document, want none", n-before)
		}
	})
}

// TestUnverifiedTokenNotDescribedOverHTTP (issue 15): a real token with its aud edited (so its
// signature no longer verifies) is answered bad_signature, and nothing in the answer speaks of
// its audience; the same claim in a token that verifies is answered wrong_audience.
func TestUnverifiedTokenNotDescribedOverHTTP(t *testing.T) {
	idp := newTestIdP(t, e2eKeys.RSA)
	config := `{"providers":{"idp":{"issuer":"` + e2eIssuer + `","audiences":["orders"],
  "remote_jwks":{"cluster":"idp","authority":"idp.test","path":"/jwks"}}},
 "rules":[{"match":{"prefix":"/api"},"require":{}}]}`
	e := startDevproxy(t, config, map[string]string{"idp": idp.addr()})
	real := strings.Split(tokenFor(t, e2eKeys.RSA, nil), ".")
	payload, _ := json.Marshal(map[string]any{"iss": e2eIssuer, "aud": "billing", "sub": "alice", "exp": time.Now().Unix() + 600})
	edited := real[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + real[2]
	req, _ := http.NewRequest("GET", e.base+"/api/x", nil)
	req.Header.Set("Authorization", "Bearer "+edited)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), `"reason":"bad_signature"`) ||
		strings.Contains(string(body)+resp.Header.Get("www-authenticate"), "audience") {
		t.Fatalf("edited aud: %d %s %q, want 401 bad_signature without a word on the audience", resp.StatusCode, body, resp.Header.Get("www-authenticate"))
	}
	if status, reason := e.get("/api/x", tokenFor(t, e2eKeys.RSA, map[string]any{"aud": "billing"})); status != 401 || reason != "wrong_audience" {
		t.Fatalf("signed token for another audience: %d %q, want 401 wrong_audience", status, reason)
	}
}
