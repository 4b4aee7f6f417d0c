package demoidp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// TestPublisher: POST /revoke records entries, GET /revoked.json serves a document the
// plugin's parser accepts, with a stable ETag answered 304, and spent entries are pruned.
func TestPublisher(t *testing.T) {
	idp, err := New("https://idp/", "api")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(idp)
	defer srv.Close()
	post := func(query string) int {
		resp, err := http.Post(srv.URL+"/revoke?"+query, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		query  string
		status int
	}{{"jti=a", 200}, {"sub=bob", 200}, {"jti=spent&exp=1000", 200}, {"", 400}, {"jti=x&exp=soon", 400}} {
		if got := post(tc.query); got != tc.status {
			t.Errorf("POST /revoke?%s: %d, want %d", tc.query, got, tc.status)
		}
	}
	get := func(etag string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/revoked.json", nil)
		if etag != "" {
			req.Header.Set("if-none-match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("")
	l, err := jwtverify.ParseRevocations([]byte(body), jwtverify.RevocationLimits{})
	if err != nil {
		t.Fatalf("the plugin refuses the published list: %v\n%s", err, body)
	}
	now := time.Now().Unix()
	if l.Len() != 2 || !l.Revokes(jwtverify.TokenIDs{JTI: "a"}, now) || !l.Revokes(jwtverify.TokenIDs{Sub: "bob", IAT: now - 1, HasIAT: true}, now) {
		t.Fatalf("published list %s", body)
	}
	if strings.Contains(body, "spent") {
		t.Fatal("a spent entry was not pruned")
	}
	etag := resp.Header.Get("etag")
	if r, _ := get(etag); r.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match with the current ETag: %d, want 304", r.StatusCode)
	}
	post("jti=b")
	if r, _ := get(etag); r.StatusCode != 200 || r.Header.Get("etag") == etag {
		t.Fatalf("after a new revocation: %d, ETag %q (was %q)", r.StatusCode, r.Header.Get("etag"), etag)
	}
	idp.ListDown.Store(true)
	if r, _ := get(""); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("publisher down: %d", r.StatusCode)
	}
	if idp.ListFetches.Load() != 4 || idp.ListNotModified.Load() != 1 {
		t.Fatalf("counters: %d fetches, %d 304", idp.ListFetches.Load(), idp.ListNotModified.Load())
	}
}
