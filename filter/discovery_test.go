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

const discoveryCluster = "accounts"

// discoveryConfig is provider corp with discovery from cluster "accounts" at idp.example.com,
// and keys.example.com served by cluster "keys"; extra extends the discovery object.
func discoveryConfig(extra string) string {
	return `{
  "providers": {
    "corp": {
      "issuer": "` + testIssuer + `",
      "audiences": ["` + testAudience + `"],
      "discovery": {"cluster": "` + discoveryCluster + `", "authority": "idp.example.com",
                    "jwks_clusters": {"keys.example.com": "keys"}` + extra + `}
    }
  },
  "rules": [{"match": {"prefix": "/"}, "require": {}}]
}`
}

func discoveryDocument(issuer, jwksURI string) []byte {
	b, _ := json.Marshal(map[string]any{"issuer": issuer, "jwks_uri": jwksURI, "id_token_signing_alg_values_supported": []string{"RS256"}})
	return b
}

// lastCallout is the last fetch dispatched, with the number dispatched.
func (h *harness) lastCallout(ids ...uint32) (proxytest.HttpCalloutAttribute, int) {
	cs := h.callouts(ids...)
	if len(cs) == 0 {
		h.t.Fatal("no fetch dispatched")
	}
	return cs[len(cs)-1], len(cs)
}

func requireCallout(t *testing.T, c proxytest.HttpCalloutAttribute, cluster, authority, path string) {
	t.Helper()
	got := [3]string{c.Upstream}
	got[1], _ = header(c.Headers, ":authority")
	got[2], _ = header(c.Headers, ":path")
	if got != [3]string{cluster, authority, path} {
		t.Fatalf("fetch to cluster %q authority %q path %q, want %q %q %q", got[0], got[1], got[2], cluster, authority, path)
	}
}

// The first request is held while the discovery document, then the keys at its jwks_uri (on
// another host, through the cluster jwks_clusters names), are fetched.
func TestDiscoveryThenKeysOnAnotherCluster(t *testing.T) {
	h := newHarness(t, discoveryConfig(""))
	id, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
	if action != types.ActionPause || h.reply(id) != nil {
		t.Fatalf("first request: %v %+v, want held", action, h.reply(id))
	}
	c, _ := h.lastCallout(id)
	requireCallout(t, c, discoveryCluster, "idp.example.com", "/.well-known/openid-configuration")
	h.answerFetch(c, "200", discoveryDocument(testIssuer, "https://keys.example.com/oauth2/v1/keys?tenant=1"))
	c, n := h.lastCallout(id)
	if n != 2 {
		t.Fatalf("%d fetches after the discovery document, want the keys fetched at once", n)
	}
	requireCallout(t, c, "keys", "keys.example.com", "/oauth2/v1/keys?tenant=1")
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA))
	if got := h.host.GetCurrentHttpStreamAction(id); got != types.ActionContinue {
		t.Fatalf("held request after the keys: %v %+v", got, h.reply(id))
	}
	if h.counter("jwtguard.discovery.fetch_success") != 1 || h.counter("jwtguard.jwks.fetch_success") != 1 {
		t.Fatal("discovery and JWKS fetches not counted")
	}
}

// A discovery document is refused, counted and logged when its issuer is not exactly the
// provider's, or its jwks_uri is on a host without a cluster, or is not a usable URL; with no
// keys yet the held request is answered 503, and no request goes to an unnamed host.
func TestDiscoveryDocumentRefused(t *testing.T) {
	for _, tc := range []struct {
		name, doc, log string
	}{
		{"issuer with a trailing slash less", string(discoveryDocument(strings.TrimSuffix(testIssuer, "/"), "https://keys.example.com/jwks")), "not the provider's issuer"},
		{"issuer in another case", string(discoveryDocument(strings.ToUpper(testIssuer), "https://keys.example.com/jwks")), "not the provider's issuer"},
		{"no issuer", `{"jwks_uri": "https://keys.example.com/jwks"}`, "not the provider's issuer"},
		{"jwks_uri on a host without a cluster", string(discoveryDocument(testIssuer, "https://evil.example.net/jwks")), "names no cluster"},
		{"jwks_uri on a port without a cluster", string(discoveryDocument(testIssuer, "https://keys.example.com:8443/jwks")), "names no cluster"},
		{"jwks_uri relative", string(discoveryDocument(testIssuer, "/jwks")), "not an absolute"},
		{"jwks_uri with user", string(discoveryDocument(testIssuer, "https://u@keys.example.com/jwks")), "not an absolute"},
		{"jwks_uri other scheme", string(discoveryDocument(testIssuer, "ftp://keys.example.com/jwks")), "not an absolute"},
		{"no jwks_uri", `{"issuer": "` + testIssuer + `"}`, "has no jwks_uri"},
		{"not an object", `["issuer"]`, "is not a JSON object"},
		{"not JSON", `<html>`, "is not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, discoveryConfig(""))
			id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
			c, _ := h.lastCallout(id)
			h.answerFetch(c, "200", []byte(tc.doc))
			if _, n := h.lastCallout(id); n != 1 {
				t.Fatalf("%d fetches, want none after a refused discovery document", n)
			}
			if r := h.reply(id); r == nil || r.status != 503 || r.body["reason"] != "keys_unavailable" {
				t.Fatalf("held request after a refused document: %+v, want 503 keys_unavailable", r)
			}
			if h.counter("jwtguard.discovery.refused.provider.corp") != 1 || h.counter("jwtguard.discovery.fetch_failure") != 1 {
				t.Fatal("the refusal was not counted")
			}
			if logs := strings.Join(h.host.GetWarnLogs(), "\n"); !strings.Contains(logs, "discovery document refused") || !strings.Contains(logs, tc.log) {
				t.Fatalf("warn logs %q do not say %q", logs, tc.log)
			}
		})
	}
}

// discovered brings a harness to keys fetched through discovery; it returns the number of
// fetches so far.
func (h *harness) discovered(jwksURI string, keys ...*mint.Key) int {
	h.t.Helper()
	h.host.Tick()
	c, _ := h.lastCallout()
	h.answerFetch(c, "200", discoveryDocument(testIssuer, jwksURI))
	c, n := h.lastCallout()
	h.answerFetch(c, "200", mint.JWKS(keys...))
	return n
}

// Last good: a refused document at a refresh keeps the jwks_uri and the keys in use.
func TestRefusedDiscoveryKeepsTheKeys(t *testing.T) {
	h := newHarness(t, discoveryConfig(""))
	h.discovered("https://keys.example.com/jwks", testKeys.RSA)
	h.clock.advance(301 * time.Second)
	h.host.Tick()
	cs := h.callouts()
	var disc proxytest.HttpCalloutAttribute
	for _, c := range cs[2:] {
		if c.Upstream == discoveryCluster {
			disc = c
		}
	}
	h.answerFetch(disc, "200", discoveryDocument("https://attacker.example/", "https://evil.example.net/jwks"))
	if _, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil))); action != types.ActionContinue {
		t.Fatal("keys lost after a refused discovery document")
	}
	for _, c := range h.callouts() {
		if c.Upstream != discoveryCluster && c.Upstream != "keys" {
			t.Fatalf("a fetch went to cluster %q", c.Upstream)
		}
	}
	if logs := strings.Join(h.host.GetWarnLogs(), "\n"); !strings.Contains(logs, "the keys stay at keys.example.com/jwks") {
		t.Fatalf("warn logs %q do not say the keys are kept", logs)
	}
}

// A jwks_uri on the discovery document's own authority uses the discovery cluster; an unknown
// kid refetches the keys (not the discovery document), once.
func TestDiscoveredKeysSameHostAndUnknownKid(t *testing.T) {
	h := newHarness(t, discoveryConfig(""))
	n := h.discovered("https://idp.example.com/keys", testKeys.RSA)
	c, _ := h.lastCallout()
	requireCallout(t, c, discoveryCluster, "idp.example.com", "/keys")
	id, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA2, nil)))
	if action != types.ActionPause {
		t.Fatalf("unknown kid: %v %+v, want held for a refetch", action, h.reply(id))
	}
	c, m := h.lastCallout(id)
	if m != n+1 {
		t.Fatalf("%d fetches, want one refetch", m-n)
	}
	requireCallout(t, c, discoveryCluster, "idp.example.com", "/keys")
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA, testKeys.RSA2))
	if got := h.host.GetCurrentHttpStreamAction(id); got != types.ActionContinue {
		t.Fatalf("rotated token after the refetch: %v %+v", got, h.reply(id))
	}
}

// A new jwks_uri moves the keys: the old keys serve until the new place answers.
func TestDiscoveryMovesTheKeys(t *testing.T) {
	h := newHarness(t, discoveryConfig(`, "refresh_interval": "10s", "timeout": "1s"`))
	h.discovered("https://idp.example.com/keys", testKeys.RSA)
	h.clock.advance(11 * time.Second)
	h.host.Tick()
	var disc proxytest.HttpCalloutAttribute
	for _, c := range h.callouts() {
		if p, _ := header(c.Headers, ":path"); strings.Contains(p, "openid-configuration") {
			disc = c
		}
	}
	before := len(h.callouts())
	h.answerFetch(disc, "200", discoveryDocument(testIssuer, "https://keys.example.com/v2/keys"))
	c, n := h.lastCallout()
	if n != before+1 {
		t.Fatalf("%d fetches after the jwks_uri moved, want the new place fetched at once", n-before)
	}
	requireCallout(t, c, "keys", "keys.example.com", "/v2/keys")
	if _, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil))); action != types.ActionContinue {
		t.Fatal("old keys not kept while the new place is fetched")
	}
	h.answerFetch(c, "200", mint.JWKS(testKeys.RSA2))
	if _, action := h.request("GET", "/x", bearer(h.token(testKeys.RSA2, nil))); action != types.ActionContinue {
		t.Fatal("keys of the new jwks_uri not used")
	}
}

// discoveryFetches are the discovery fetches dispatched so far.
func (h *harness) discoveryFetches() []proxytest.HttpCalloutAttribute {
	var out []proxytest.HttpCalloutAttribute
	for _, c := range h.callouts() {
		if p, _ := header(c.Headers, ":path"); strings.Contains(p, "configuration") {
			out = append(out, c)
		}
	}
	return out
}

func init() {
	const prefix = "providers.<name>.discovery."
	fieldCases = append(fieldCases,
		fieldCase{field: prefix + "cluster", run: func(t *testing.T) {
			h := newHarness(t, strings.Replace(discoveryConfig(""), `"cluster": "accounts"`, `"cluster": "outbound|443||idp.example.com"`, 1))
			h.host.Tick()
			if c, _ := h.lastCallout(); c.Upstream != "outbound|443||idp.example.com" {
				t.Fatalf("discovery fetched from cluster %q", c.Upstream)
			}
		}},
		fieldCase{field: prefix + "authority", run: func(t *testing.T) {
			h := newHarness(t, strings.Replace(discoveryConfig(""), `"authority": "idp.example.com"`, `"authority": "login.example.com"`, 1))
			n := h.discovered("https://login.example.com/keys", testKeys.RSA)
			c := h.callouts()[n-1]
			// The discovery fetch names the authority, and a jwks_uri on it uses the discovery cluster.
			if a, _ := header(h.callouts()[0].Headers, ":authority"); a != "login.example.com" || c.Upstream != discoveryCluster {
				t.Fatalf("discovery :authority %q, keys on cluster %q", a, c.Upstream)
			}
		}},
		fieldCase{field: prefix + "path", run: func(t *testing.T) {
			h := newHarness(t, discoveryConfig(`, "path": "/tenant-1/.well-known/openid-configuration"`))
			h.host.Tick()
			if p, _ := header(h.callouts()[0].Headers, ":path"); p != "/tenant-1/.well-known/openid-configuration" {
				t.Fatalf("discovery :path %q", p)
			}
		}},
		fieldCase{field: prefix + "refresh_interval", run: func(t *testing.T) {
			for _, tc := range []struct {
				extra string
				want  int
			}{{"", 1}, {`, "refresh_interval": "20s"`, 2}} {
				t.Run(tc.extra, func(t *testing.T) { // one emulator at a time: each subtest releases its own
					h := newHarness(t, discoveryConfig(tc.extra))
					h.discovered("https://keys.example.com/jwks", testKeys.RSA)
					h.clock.advance(21 * time.Second)
					h.host.Tick()
					if n := len(h.discoveryFetches()); n != tc.want {
						t.Fatalf("%d discovery fetches after 21s, want %d", n, tc.want)
					}
				})
			}
		}},
		fieldCase{field: prefix + "timeout", run: func(t *testing.T) {
			// An unanswered fetch holds its lease for timeout + 1s; then the next VM tick fetches again.
			for _, tc := range []struct {
				extra string
				want  int
			}{{"", 1}, {`, "timeout": "1s"`, 2}} {
				t.Run(tc.extra, func(t *testing.T) {
					h := newHarness(t, discoveryConfig(tc.extra))
					id, _ := h.request("GET", "/x", bearer(h.token(testKeys.RSA, nil)))
					h.host.CompleteHttpContext(id) // its fetch's answer is lost with it
					h.clock.advance(2500 * time.Millisecond)
					h.host.Tick()
					if n := len(h.callouts(id)); n != tc.want {
						t.Fatalf("%d discovery fetches 2.5s after a lost one, want %d", n, tc.want)
					}
				})
			}
		}},
		fieldCase{field: prefix + "jwks_clusters", run: func(t *testing.T) {
			t.Run("named", func(t *testing.T) {
				h := newHarness(t, strings.Replace(discoveryConfig(""), `{"keys.example.com": "keys"}`, `{"keys.example.com": "keys", "static.example.org": "cdn"}`, 1))
				h.discovered("https://static.example.org/jwks.json", testKeys.RSA)
				if c, _ := h.lastCallout(); c.Upstream != "cdn" {
					t.Fatalf("keys fetched from cluster %q, want cdn", c.Upstream)
				}
			})
			t.Run("not named", func(t *testing.T) {
				h := newHarness(t, strings.Replace(discoveryConfig(""), `"jwks_clusters": {"keys.example.com": "keys"}`, `"path": "/.well-known/openid-configuration"`, 1))
				h.host.Tick()
				c, _ := h.lastCallout()
				h.answerFetch(c, "200", discoveryDocument(testIssuer, "https://static.example.org/jwks.json"))
				if _, n := h.lastCallout(); n != 1 || h.counter("jwtguard.discovery.refused.provider.corp") != 1 {
					t.Fatal("a jwks_uri host without a jwks_clusters entry was fetched, or the refusal not counted")
				}
			})
		}},
	)
}

// FuzzParseDiscovery: any document is refused or yields a fetch target on a cluster the
// configuration names, sendable as :authority and :path; nothing panics.
func FuzzParseDiscovery(f *testing.F) {
	for _, doc := range [][]byte{
		discoveryDocument(testIssuer, "https://keys.example.com/jwks"),
		discoveryDocument(testIssuer, "https://idp.example.com/k?x=1"),
		discoveryDocument(testIssuer, "http://KEYS.example.com:8443/a%20b"),
		discoveryDocument("https://other/", "https://keys.example.com/jwks"),
		[]byte(`{"issuer":"` + testIssuer + `","jwks_uri":"https://keys.example.com/jwks#frag"}`),
		[]byte(`{"issuer":"` + testIssuer + `","jwks_uri":"https://keys.example.com` + "\x7f" + `/"}`),
		[]byte(strings.Repeat("[", 100)),
	} {
		f.Add(doc)
	}
	clusters := map[string]string{"keys.example.com": "keys", "keys.example.com:8443": "keys8443"}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := parseDiscovery(body, testIssuer, "idp.example.com", discoveryCluster, clusters)
		if err != nil {
			return
		}
		if d.cluster != discoveryCluster && d.cluster != "keys" && d.cluster != "keys8443" {
			t.Fatalf("target on cluster %q", d.cluster)
		}
		if d.authority == "" || d.path == "" || d.path[0] != '/' || hasControlOrSpace(d.authority) || hasControlOrSpace(d.path) {
			t.Fatalf("unsendable target %+v", d)
		}
	})
}
