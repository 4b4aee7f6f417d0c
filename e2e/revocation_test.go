package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/demoidp"
	"github.com/jwtguard/jwtguard/e2e/devproxy"
)

// revocationDemo is envoy/demo.yaml through devproxy (4 workers), with the demo IdP as JWKS
// and revocation publisher and the list's refresh_interval shortened to 2 s.
type revocationDemo struct {
	t          *testing.T
	idp        *demoidp.IdP
	base       string
	admin      string
	workers    int
	refresh    time.Duration
	maxLatency time.Duration // refresh_interval + timeout + one tick + scheduling slack
}

func startRevocationDemo(t *testing.T) *revocationDemo {
	upstream := httptest.NewServer(http.HandlerFunc(demoidp.Echo))
	t.Cleanup(upstream.Close)
	idp, idpAddr := localDemoIdP(t)
	cfg := demoConfig(t, upstream.URL, true)
	const section = `"path": "/revoked.json", "refresh_interval": "10s", "timeout": "2s"`
	if !strings.Contains(string(cfg.Listeners[0].Wasm.Configuration), section) {
		t.Fatalf("envoy/demo.yaml has no revocation section %s", section)
	}
	useDemoIdP(cfg, idp, idpAddr, section, `"path": "/revoked.json", "refresh_interval": "2s", "timeout": "1s"`)
	p, _ := startProxy(t, cfg, devproxy.Options{Concurrency: 4, Profile: suiteProfile(t)})
	return &revocationDemo{t: t, idp: idp, base: "http://" + p.Listeners[0].Addr().String(),
		admin: "http://" + p.Listeners[1].Addr().String(), workers: 4,
		refresh: 2 * time.Second, maxLatency: 2*time.Second + time.Second + 250*time.Millisecond + 750*time.Millisecond}
}

// verdict sends one request and returns its status and jwtguard reason ("" when allowed).
func (d *revocationDemo) verdict(token string) (int, string) {
	d.t.Helper()
	req, _ := http.NewRequest("GET", d.base+"/orders/1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		return 200, ""
	}
	var b struct{ Reason string }
	_ = json.Unmarshal(body, &b)
	return resp.StatusCode, b.Reason
}

// round sends the token once to every worker (devproxy hands requests to workers in turn)
// and returns how many were refused as revoked; any other refusal fails the test.
func (d *revocationDemo) round(token string) int {
	d.t.Helper()
	revoked := 0
	for i := 0; i < d.workers; i++ {
		switch status, reason := d.verdict(token); {
		case status == 401 && reason == "token_revoked":
			revoked++
		case status != 200:
			d.t.Fatalf("unexpected answer %d %s", status, reason)
		}
	}
	return revoked
}

func (d *revocationDemo) mint(sub string) (string, string) {
	d.t.Helper()
	tok, jti, err := d.idp.TokenWithJTI("RS256", sub, "orders:read", 10*time.Minute, 0)
	if err != nil {
		d.t.Fatal(err)
	}
	return tok, jti
}

// awaitRevoked polls until every worker refuses token, and fails if that takes longer than
// one refresh interval (plus the fetch timeout and a tick) from revokedAt; then the next
// rounds must refuse it everywhere too (no worker goes back to an older list).
func (d *revocationDemo) awaitRevoked(token string, revokedAt time.Time) time.Duration {
	d.t.Helper()
	return d.awaitRevokedWithin(token, revokedAt, d.maxLatency)
}

func (d *revocationDemo) awaitRevokedWithin(token string, revokedAt time.Time, bound time.Duration) time.Duration {
	d.t.Helper()
	for d.round(token) != d.workers {
		if time.Since(revokedAt) > bound {
			d.t.Fatalf("token still admitted by some worker %v after its revocation", time.Since(revokedAt))
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(revokedAt)
	for i := 0; i < 3; i++ {
		if n := d.round(token); n != d.workers {
			d.t.Fatalf("after every worker refused it, %d of %d refused it again", n, d.workers)
		}
	}
	return took
}

// stat reads one value of the admin's /stats.
func (d *revocationDemo) stat(name string) int64 {
	d.t.Helper()
	resp, err := http.Get(d.admin + "/stats")
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `: (\d+)$`).FindSubmatch(text)
	if m == nil {
		return -1
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// TestRevocationOverHTTP (issue 20): tokens cached on every worker are refused on every
// worker within one refresh interval of their revocation by jti and by sub; with the list
// endpoint down the last good list stays in force; a list of 10^5 entries works the same.
func TestRevocationOverHTTP(t *testing.T) {
	d := startRevocationDemo(t)
	alice, aliceJTI := d.mint("alice")
	aliceOther, _ := d.mint("alice")
	bob, _ := d.mint("bob")
	// First request: held until keys and the first list arrive, then allowed; then cached
	// on every worker.
	for _, tok := range []string{alice, aliceOther, bob} {
		if n := d.round(tok); n != 0 {
			t.Fatalf("%d refusals of a token nobody revoked", n)
		}
	}

	parent := d.t
	sub := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			d.t = t
			defer func() { d.t = parent }()
			f(t)
		})
	}
	sub("by jti", func(t *testing.T) {
		at := time.Now()
		d.idp.RevokeJTI(aliceJTI, time.Time{})
		t.Logf("refused on every worker %v after the revocation", d.awaitRevoked(alice, at))
		if n := d.round(aliceOther); n != 0 {
			t.Fatalf("alice's other token refused by %d workers", n)
		}
	})
	sub("by sub", func(t *testing.T) {
		at := time.Now()
		d.idp.RevokeSub("bob")
		t.Logf("refused on every worker %v after the revocation", d.awaitRevoked(bob, at))
		// A token issued after the cut-off (the next second) passes.
		time.Sleep(time.Until(time.Unix(at.Unix()+1, 0)) + 10*time.Millisecond)
		fresh, _ := d.mint("bob")
		if n := d.round(fresh); n != 0 {
			t.Fatalf("bob's token issued after the cut-off refused by %d workers", n)
		}
	})
	sub("list endpoint down keeps the last good list", func(t *testing.T) {
		failures := d.stat("jwtguard.revocation.fetch_failure")
		d.idp.ListDown.Store(true)
		time.Sleep(3 * d.refresh)
		if n := d.round(alice); n != d.workers {
			t.Fatalf("with the publisher down, %d of %d workers refused the revoked token", n, d.workers)
		}
		fresh, _ := d.mint("carol")
		if n := d.round(fresh); n != 0 {
			t.Fatalf("with the publisher down, a valid token was refused by %d workers", n)
		}
		if got := d.stat("jwtguard.revocation.fetch_failure"); got <= failures {
			t.Fatalf("fetch_failure %d, was %d: the outage was not seen", got, failures)
		}
		if age := d.stat("jwtguard.revocation.list_age_seconds.provider.demo"); age < 4 {
			t.Fatalf("list age gauge %d s after %v of outage", age, 3*d.refresh)
		}
		d.idp.ListDown.Store(false)
	})
	sub("10^5 entries", func(t *testing.T) {
		exp := time.Now().Add(time.Hour)
		for i := 0; i < 100_000-3; i++ {
			d.idp.RevokeJTI("bulk-"+strconv.Itoa(i), exp)
		}
		carol, carolJTI := d.mint("carol")
		if n := d.round(carol); n != 0 {
			t.Fatalf("carol's token refused by %d workers before its revocation", n)
		}
		if size := len(d.idp.Document()); size < 3<<20 {
			t.Fatalf("the list is only %d bytes", size)
		}
		at := time.Now()
		d.idp.RevokeJTI(carolJTI, time.Time{})
		// The VM that fetches a new list of 10^5 entries (about 4 MB) parses it, serving no
		// request meanwhile, and the other VMs adopt the index it publishes: on this 2-core
		// test machine, under load, that can take seconds, so this case has a bound of its
		// own; the time is logged (docs/revocation.md).
		t.Logf("with 10^5 entries: refused on every worker %v after the revocation", d.awaitRevokedWithin(carol, at, time.Minute))
		if n := d.round(aliceOther); n != 0 {
			t.Fatalf("a valid token refused by %d workers with 10^5 entries", n)
		}
	})
	// The cases above change the list between most polls; with nothing changing now, the next
	// polls must be answered 304 (If-None-Match carries the ETag of the list in use). Wait
	// for two more polls, within a bound far beyond two refresh intervals.
	for n, deadline := d.idp.ListFetches.Load(), time.Now().Add(30*time.Second); d.idp.ListFetches.Load() < n+2 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if d.idp.ListNotModified.Load() == 0 {
		t.Fatalf("no poll of %d was answered 304: If-None-Match was not sent", d.idp.ListFetches.Load())
	}
	t.Logf("list fetches %d, of which 304 %d", d.idp.ListFetches.Load(), d.idp.ListNotModified.Load())
}
