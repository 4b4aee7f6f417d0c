package filter

import (
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

const revCluster = "revsvc"

// revSection is a fetched revocation section with extra members.
func revSection(extra string) string {
	return `, "revocation": {"cluster": "` + revCluster + `", "authority": "idp.example.com", "path": "/revoked"` + extra + `}`
}

// revFetches returns the revocation list fetches dispatched so far.
func (h *harness) revFetches(ids ...uint32) []proxytest.HttpCalloutAttribute {
	var out []proxytest.HttpCalloutAttribute
	for _, c := range h.callouts(ids...) {
		if c.Upstream == revCluster {
			out = append(out, c)
		}
	}
	return out
}

// answerList answers the last revocation fetch with a status, an ETag and a body.
func (h *harness) answerList(status, etag string, body []byte, ids ...uint32) {
	h.t.Helper()
	cs := h.revFetches(ids...)
	if len(cs) == 0 {
		h.t.Fatal("no revocation list fetch was dispatched")
	}
	hs := [][2]string{{":status", status}, {"content-type", "application/json"}}
	if etag != "" {
		hs = append(hs, [2]string{"etag", etag})
	}
	h.host.CallOnHttpCallResponse(cs[len(cs)-1].CalloutID, hs, nil, body)
}

// withList starts a harness whose first revocation fetch is answered with list.
func withList(t *testing.T, extra string, list mint.Revocations) *harness {
	t.Helper()
	h := newHarness(t, localConfig(t, revSection(extra)))
	h.host.Tick()
	h.answerList("200", `"v1"`, list.JSON())
	return h
}

// want asserts a request's outcome: status 0 means it continued.
func (h *harness) want(id uint32, action types.Action, status uint32, reason string) {
	h.t.Helper()
	r := h.reply(id)
	switch {
	case status == 0 && (action != types.ActionContinue || r != nil):
		h.t.Fatalf("want the request to continue, got %v %+v", action, r)
	case status != 0 && (r == nil || r.status != status || r.body["reason"] != reason):
		h.t.Fatalf("want %d %s, got %v %+v", status, reason, action, r)
	}
}

func (h *harness) get(tok string) (uint32, types.Action) {
	return h.request("GET", "/api/x", bearer(tok))
}

// TestRevocationShapesCachedAndNot: each shape of entry refuses the tokens it names with 401
// token_revoked, on first sight and when the token was cached before the list named it; the
// tokens it does not name pass.
func TestRevocationShapesCachedAndNot(t *testing.T) {
	now := newTestClock().now().Unix()
	tests := []struct {
		name             string
		list             mint.Revocations
		revoked, allowed map[string]any // claim overrides
	}{
		{"jti", mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+600)}},
			map[string]any{"jti": "j-1"}, map[string]any{"jti": "j-2"}},
		{"sub issued before the cut-off", mint.Revocations{Sub: []mint.RevokedSub{mint.RevokeSub("alice", now-5, now+3600)}},
			map[string]any{"iat": now - 10}, map[string]any{"iat": now - 5}},
		{"sub, token without iat", mint.Revocations{Sub: []mint.RevokedSub{mint.RevokeSub("alice", now-5, now+3600)}},
			map[string]any{"iat": nil}, map[string]any{"iat": nil, "sub": "bob"}},
		{"whole provider", mint.Revocations{All: mint.RevokeAll(now-5, now+3600)},
			map[string]any{"sub": "bob", "iat": now - 10}, map[string]any{"sub": "bob", "iat": now}},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/uncached", func(t *testing.T) {
			h := withList(t, "", tc.list)
			id, action := h.get(h.token(testKeys.RSA, tc.revoked))
			h.want(id, action, 401, "token_revoked")
			if v := h.reply(id).headers["www-authenticate"]; !strings.Contains(v, `error="invalid_token"`) {
				t.Fatalf("challenge %q", v)
			}
			id, action = h.get(h.token(testKeys.RSA, tc.allowed))
			h.want(id, action, 0, "")
			if h.counter("jwtguard.rejected.reason.token_revoked.provider.corp") != 1 {
				t.Fatal("token_revoked not counted once")
			}
		})
		t.Run(tc.name+"/cached", func(t *testing.T) {
			h := withList(t, "", mint.Revocations{})
			revoked, allowed := h.token(testKeys.RSA, tc.revoked), h.token(testKeys.RSA, tc.allowed)
			for _, tok := range []string{revoked, allowed} {
				id, action := h.get(tok)
				h.want(id, action, 0, "")
			}
			h.clock.advance(10 * time.Second)
			h.host.Tick()
			h.answerList("200", `"v2"`, tc.list.JSON())
			hits := h.counter("jwtguard.cache.hit")
			id, action := h.get(revoked)
			h.want(id, action, 401, "token_revoked")
			id, action = h.get(allowed)
			h.want(id, action, 0, "")
			if got := h.counter("jwtguard.cache.hit") - hits; got != 2 {
				t.Fatalf("%d cache hits, want 2: both tokens were judged from the cache", got)
			}
			if h.counter("jwtguard.cache.miss") != 2 {
				t.Fatal("a cached token was verified again")
			}
		})
	}
}

// TestRevocationStaticEntries: static entries apply without any fetch, and together with a
// fetched list.
func TestRevocationStaticEntries(t *testing.T) {
	now := newTestClock().now().Unix()
	static := `, "static": ` + string(mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("s-1", now+600)}}.JSON())
	t.Run("static only", func(t *testing.T) {
		h := newHarness(t, localConfig(t, `, "revocation": {"static": `+string(mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("s-1", now+600)}}.JSON())+`}`))
		h.host.Tick()
		if n := len(h.callouts()); n != 0 {
			t.Fatalf("%d fetches with static entries only", n)
		}
		id, action := h.get(h.token(testKeys.RSA, map[string]any{"jti": "s-1"}))
		h.want(id, action, 401, "token_revoked")
	})
	t.Run("static and fetched", func(t *testing.T) {
		h := withList(t, static, mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("f-1", now+600)}})
		for _, jti := range []string{"s-1", "f-1"} {
			id, action := h.get(h.token(testKeys.RSA, map[string]any{"jti": jti}))
			h.want(id, action, 401, "token_revoked")
		}
	})
}

// TestRevocationEntryCoversClockSkew: an entry spent at expires still applies for clock_skew,
// as long as the plugin still accepts its token (exp + clock_skew).
func TestRevocationEntryCoversClockSkew(t *testing.T) {
	now := newTestClock().now().Unix()
	h := withList(t, "", mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+30)}})
	tok := h.token(testKeys.RSA, map[string]any{"jti": "j-1", "exp": now + 30})
	h.clock.advance(60 * time.Second) // past exp and expires, within the 60 s skew
	id, action := h.get(tok)
	h.want(id, action, 401, "token_revoked")
}

// TestRequestHeldUntilTheFirstList: with on_unavailable deny a request that arrives before
// the first list is held, then judged by the list that arrives.
func TestRequestHeldUntilTheFirstList(t *testing.T) {
	h := newHarness(t, localConfig(t, revSection("")))
	revoked, allowed := h.token(testKeys.RSA, map[string]any{"jti": "j-1"}), h.token(testKeys.RSA, map[string]any{"jti": "j-2"})
	id1, a1 := h.get(revoked)
	id2, a2 := h.get(allowed)
	if a1 != types.ActionPause || a2 != types.ActionPause || h.reply(id1) != nil || h.reply(id2) != nil {
		t.Fatalf("requests not held: %v %v", a1, a2)
	}
	if n := len(h.revFetches(id1, id2)); n != 1 {
		t.Fatalf("%d list fetches for two held requests, want 1", n)
	}
	h.answerList("200", "", mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", h.clock.now().Unix()+600)}}.JSON(), id1, id2)
	if r := h.reply(id1); r == nil || r.status != 401 || r.body["reason"] != "token_revoked" {
		t.Fatalf("held revoked token: %+v", r)
	}
	if got := h.host.GetCurrentHttpStreamAction(id2); got != types.ActionContinue || h.reply(id2) != nil {
		t.Fatalf("held valid token not resumed: %v %+v", got, h.reply(id2))
	}
}

// TestRevocationListUnavailable: no list could be fetched at start. deny answers 503
// revocation_unavailable with Retry-After; allow serves (static entries still apply) and
// counts each request, cached or not.
func TestRevocationListUnavailable(t *testing.T) {
	now := newTestClock().now().Unix()
	static := `, "static": ` + string(mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("s-1", now+600)}}.JSON())
	t.Run("deny", func(t *testing.T) {
		h := newHarness(t, localConfig(t, revSection(static)))
		id, _ := h.get(h.token(testKeys.RSA, nil))
		h.answerList("503", "", nil, id)
		r := h.reply(id)
		if r == nil || r.status != 503 || r.body["reason"] != "revocation_unavailable" || r.headers["retry-after"] == "" {
			t.Fatalf("reply %+v, want 503 revocation_unavailable with Retry-After", r)
		}
		if h.counter("jwtguard.revocation.fetch_failure") != 1 || h.counter("jwtguard.rejected.reason.revocation_unavailable.provider.corp") != 1 {
			t.Fatal("failure not counted")
		}
	})
	t.Run("allow", func(t *testing.T) {
		h := newHarness(t, localConfig(t, revSection(`, "on_unavailable": "allow"`+static)))
		h.host.Tick()
		h.answerList("503", "", nil)
		tok := h.token(testKeys.RSA, nil)
		for i := 0; i < 2; i++ { // verified, then cached
			id, action := h.get(tok)
			h.want(id, action, 0, "")
		}
		if got := h.counter("jwtguard.revocation.unchecked.provider.corp"); got != 2 {
			t.Fatalf("unchecked counter %d, want 2", got)
		}
		id, action := h.get(h.token(testKeys.RSA, map[string]any{"jti": "s-1"}))
		h.want(id, action, 401, "token_revoked")
	})
}

// TestBadRevocationListKeepsTheLastGood: every refused answer keeps the list in use.
func TestBadRevocationListKeepsTheLastGood(t *testing.T) {
	now := newTestClock().now().Unix()
	good := mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+3600)}}
	for _, tc := range []struct {
		name, status string
		body         []byte
		extra        string
	}{
		{"server error", "500", good.JSON(), ""},
		{"not JSON", "200", []byte("<html>"), ""},
		{"version 2", "200", []byte(`{"version":2}`), ""},
		{"duplicate member", "200", []byte(`{"version":1,"jti":[],"jti":[]}`), ""},
		{"entry with a string time", "200", []byte(`{"version":1,"jti":[{"jti":"x","expires":"1"}]}`), ""},
		{"over max_bytes", "200", mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI(strings.Repeat("x", 250), now), mint.RevokeJTI(strings.Repeat("y", 250), now),
			mint.RevokeJTI(strings.Repeat("z", 250), now), mint.RevokeJTI(strings.Repeat("w", 250), now)}}.JSON(), `, "max_bytes": 1024`},
		{"over max_entries", "200", mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("a", now), mint.RevokeJTI("b", now)}}.JSON(), `, "max_entries": 1`},
		{"304 without If-None-Match", "304", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, localConfig(t, revSection(tc.extra)))
			h.host.Tick()
			h.answerList("200", "", good.JSON()) // no ETag: the next fetch is unconditional
			h.clock.advance(11 * time.Second)
			h.host.Tick()
			h.answerList(tc.status, "", tc.body)
			if h.counter("jwtguard.revocation.fetch_failure") != 1 {
				t.Fatal("the bad answer was not counted as a failure")
			}
			id, action := h.get(h.token(testKeys.RSA, map[string]any{"jti": "j-1"}))
			h.want(id, action, 401, "token_revoked")
		})
	}
}

// TestRevocationListNotModified: the next fetch sends If-None-Match with the list's ETag; a
// 304 keeps the list in use and counts as a success.
func TestRevocationListNotModified(t *testing.T) {
	now := newTestClock().now().Unix()
	h := withList(t, "", mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+3600)}})
	h.clock.advance(11 * time.Second)
	h.host.Tick()
	cs := h.revFetches()
	if len(cs) != 2 {
		t.Fatalf("%d fetches, want 2", len(cs))
	}
	if v, _ := header(cs[1].Headers, "if-none-match"); v != `"v1"` {
		t.Fatalf("If-None-Match %q, want the ETag of the list in use", v)
	}
	h.answerList("304", "", nil)
	if h.counter("jwtguard.revocation.fetch_success") != 2 || h.counter("jwtguard.revocation.fetch_failure") != 0 {
		t.Fatal("304 not counted as a success")
	}
	id, action := h.get(h.token(testKeys.RSA, map[string]any{"jti": "j-1"}))
	h.want(id, action, 401, "token_revoked")
}

// TestRevocationListAgeGauge: the gauge grows while the publisher is down.
func TestRevocationListAgeGauge(t *testing.T) {
	h := withList(t, "", mint.Revocations{})
	for i := 1; i <= 3; i++ {
		h.clock.advance(11 * time.Second)
		h.host.Tick()
		h.answerList("503", "", nil)
	}
	h.clock.advance(time.Second)
	h.host.Tick()
	g, err := h.host.GetGaugeMetric("jwtguard.revocation.list_age_seconds.provider.corp")
	if err != nil || g != 34 {
		t.Fatalf("list age gauge %d (%v), want 34", g, err)
	}
}

// TestRevocationOneFetchPerProxy: two VMs share one fetch of the list; the VM that did not
// fetch adopts it and refuses what it revokes. Interleavings: the second VM ticks while the
// first holds the lease (no second fetch), then after the first published (adoption, no
// fetch), then the second VM takes the next refresh while the first waits.
func TestRevocationOneFetchPerProxy(t *testing.T) {
	now := newTestClock().now().Unix()
	h := newHarness(t, localConfig(t, revSection("")))
	other := (&vmContext{now: h.clock.now}).NewPluginContext(99).(*pluginState)
	if st := other.OnPluginStart(0); st != types.OnPluginStartStatusOK {
		t.Fatal("second VM did not start")
	}
	h.host.Tick()
	other.OnTick()
	if n := len(h.revFetches()); n != 1 {
		t.Fatalf("%d fetches while the first VM holds the lease, want 1", n)
	}
	h.answerList("200", `"a"`, mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+3600)}}.JSON())
	other.OnTick()
	rev := other.providers[0].rev
	if rev.list == nil || rev.list.Len() != 1 || rev.generation != 1 {
		t.Fatal("the second VM did not adopt the list the first one fetched")
	}
	if !rev.revokes(revocationIDs{JTI: "j-1"}, h.clock.now()) {
		t.Fatal("the adopted list does not revoke j-1")
	}
	h.clock.advance(11 * time.Second)
	other.OnTick() // the second VM takes this refresh
	h.host.Tick()
	if n := len(h.revFetches()); n != 2 {
		t.Fatalf("%d fetches in all after one refresh interval with two VMs, want 2", n)
	}
	if s := rev.fetcher.schedule(); s.owner != other.vmNonce || s.leaseUntil == 0 {
		t.Fatalf("the second VM does not hold the lease: %+v", s)
	}
}

// TestRegressionHeldForKeysThenForTheList: the first request after a start waits for the
// JWKS and for the revocation list; answered 503 revocation_unavailable when the keys came
// first, because a request resumed after keys could not be held again (found by the e2e
// TestRevocationOverHTTP).
func TestRegressionHeldForKeysThenForTheList(t *testing.T) {
	cfg := strings.Replace(remoteConfig(), `"claims_to_headers"`, strings.TrimPrefix(revSection(""), ", ")+`, "claims_to_headers"`, 1)
	h := newHarness(t, cfg)
	id, action := h.get(h.token(testKeys.RSA, nil))
	if action != types.ActionPause {
		t.Fatalf("not held: %v", action)
	}
	h.answerFetch(h.requireFetch(1, id), "200", mint.JWKS(testKeys.RSA))
	if r := h.reply(id); r != nil || h.host.GetCurrentHttpStreamAction(id) != types.ActionPause {
		t.Fatalf("after the keys, the request must wait for the list: %+v", r)
	}
	h.answerList("200", "", mint.Revocations{}.JSON(), id)
	if got := h.host.GetCurrentHttpStreamAction(id); got != types.ActionContinue || h.reply(id) != nil {
		t.Fatalf("not resumed after the list: %v %+v", got, h.reply(id))
	}
}

// TestRevokedTokenRemembered: a revoked token presented again is refused from the cache of
// rejected tokens, until a new list arrives; a list that no longer names it lets it pass.
func TestRevokedTokenRemembered(t *testing.T) {
	now := newTestClock().now().Unix()
	h := withList(t, "", mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+3600)}})
	tok := h.token(testKeys.RSA, map[string]any{"jti": "j-1"})
	for i := 0; i < 2; i++ {
		id, action := h.get(tok)
		h.want(id, action, 401, "token_revoked")
	}
	if n := h.plugin.rejected.len(); n != 1 {
		t.Fatalf("%d rejected tokens cached, want the revoked one", n)
	}
	e, ok := h.plugin.rejected.get(tok, h.clock.now())
	if !ok || staleRevocation(e) {
		t.Fatal("the remembered revocation is not current")
	}
	h.clock.advance(11 * time.Second)
	h.host.Tick()
	h.answerList("200", `"v2"`, mint.Revocations{}.JSON())
	if !staleRevocation(e) {
		t.Fatal("a new list did not make the remembered revocation stale")
	}
	id, action := h.get(tok)
	h.want(id, action, 0, "")
}
