package devproxy

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

type fakeStats []envoyhost.StatSnapshot

func (f fakeStats) Stats() []envoyhost.StatSnapshot { return f }
func (f fakeStats) StatsText() string {
	var b strings.Builder
	for _, s := range f {
		b.WriteString(s.Name + ": 1\n")
	}
	return b.String()
}

// TestAdminEndpoints: the admin answers what Envoy's admin answers for the endpoints devproxy
// has, and a 404 carrying the list of endpoints for any other path.
func TestAdminEndpoints(t *testing.T) {
	h := adminHandler(fakeStats{
		{Name: "jwtguard.cache.hit", Value: 4},
		{Name: "jwtguard.cache.entries", Kind: 1, Value: 2},
		{Name: "jwtguard.latency", Kind: 2, Value: 9, Count: 3},
	}, nil)
	get := func(target string) (int, string, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		body, _ := io.ReadAll(rec.Body)
		return rec.Code, rec.Header().Get("content-type"), string(body)
	}
	list := []string{"admin commands are:", "  /help: ", "  /ready: ", "  /stats: ", "  /stats/prometheus: "}
	for _, tc := range []struct {
		name, target string
		status       int
		contentType  string
		contains     []string
	}{
		{"help", "/help", 200, "text/plain", list},
		{"root lists the endpoints", "/", 200, "text/plain", list},
		{"ready", "/ready", 200, "text/plain", []string{"LIVE\n"}},
		{"stats as text", "/stats", 200, "text/plain", []string{"jwtguard.cache.hit: 1\n"}},
		{"stats as prometheus", "/stats?format=prometheus", 200, "text/plain; version=0.0.4", []string{"jwtguard_cache_entries{} 2"}},
		{"stats/prometheus", "/stats/prometheus", 200, "text/plain; version=0.0.4", []string{"# TYPE jwtguard_cache_hit counter"}},
		{"unknown stats format", "/stats?format=html", 400, "text/plain", []string{"format=(json|prometheus|text)"}},
		{"unknown path", "/clusters", 404, "text/plain", append([]string{"invalid path. "}, list...)},
		{"path below an endpoint", "/ready/x", 404, "text/plain", list},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ct, body := get(tc.target)
			if status != tc.status || !strings.HasPrefix(ct, tc.contentType) {
				t.Fatalf("%s: %d %q, want %d %q\n%s", tc.target, status, ct, tc.status, tc.contentType, body)
			}
			for _, want := range tc.contains {
				if !strings.Contains(body, want) {
					t.Errorf("%s: body lacks %q:\n%s", tc.target, want, body)
				}
			}
		})
	}

	status, ct, body := get("/stats?format=json")
	if status != 200 || ct != "application/json" {
		t.Fatalf("json: %d %q", status, ct)
	}
	var got struct {
		Stats []struct {
			Name  string `json:"name"`
			Value int64  `json:"value"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, body)
	}
	if len(got.Stats) != 2 || got.Stats[0].Name != "jwtguard.cache.hit" || got.Stats[0].Value != 4 ||
		got.Stats[1].Name != "jwtguard.cache.entries" || got.Stats[1].Value != 2 {
		t.Fatalf("json stats %+v, want the counter and the gauge (histograms apart)", got.Stats)
	}
}
