package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// statsWhenTicked reads an admin stats page until it contains every line of want, for up to
// two seconds: the plugin's request counters reach the host on its tick (every 250 ms), so
// the page may lag the requests by one tick (filter/counters.go). It returns the last page.
func statsWhenTicked(t *testing.T, url string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := false
		for _, w := range want {
			if !strings.Contains(string(page), w) {
				missing = true
			}
		}
		if !missing || time.Now().After(deadline) {
			return string(page)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
