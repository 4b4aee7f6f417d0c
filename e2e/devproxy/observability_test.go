package devproxy

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
)

func TestPrometheusText(t *testing.T) {
	tags := []StatsTag{
		{"reason", regexp.MustCompile(`^wasmcustom\.jwtguard\.rejected(\.reason\.([a-z0-9_]+))`)},
		{"provider", regexp.MustCompile(`^wasmcustom\.jwtguard\..*?(\.provider\.(.+))$`)},
	}
	stats := []envoyhost.StatSnapshot{
		{Name: "jwtguard.rejected.reason.token_expired.provider.login.example", Value: 2},
		{Name: "jwtguard.rejected.reason.missing_token", Value: 1},
		{Name: "jwtguard.cache.entries", Kind: 1, Value: 7},
		{Name: "jwtguard.allowed_open_route", Value: 3},
		{Name: "9lives", Value: 1},
	}
	want := `# TYPE jwtguard_allowed_open_route counter
jwtguard_allowed_open_route{} 3
# TYPE jwtguard_cache_entries gauge
jwtguard_cache_entries{} 7
# TYPE jwtguard_rejected counter
jwtguard_rejected{reason="missing_token"} 1
jwtguard_rejected{reason="token_expired",provider="login.example"} 2
`
	if got := PrometheusText(stats, tags); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := sanitizeValue(`a"b\c` + "\n"); got != `a\"b\\c\n` {
		t.Fatalf("sanitizeValue = %q", got)
	}
}

func TestAccessLogFormat(t *testing.T) {
	al, err := parseAccessLogFormat(`%REQ(:METHOD)% %REQ(X-MISSING?:PATH)% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS% o=%FILTER_STATE(wasm.jwtguard_outcome:PLAIN)% p=%FILTER_STATE(wasm.jwtguard_provider:PLAIN)%` + "\n")
	if err != nil {
		t.Fatal(err)
	}
	req := &envoyhost.Request{Method: "GET", Path: "/a?b"}
	resp := &envoyhost.Response{Status: 401, Details: "jwtguard_missing_token", FilterState: map[string]string{"wasm.jwtguard_outcome": "missing_token"}}
	if got := al.Line(time.Unix(0, 0), req, resp); got != "GET /a?b 401 jwtguard_missing_token o=missing_token p=-\n" {
		t.Fatalf("line %q", got)
	}
	for _, bad := range []string{"%DOWNSTREAM_REMOTE_ADDRESS%", "%FILTER_STATE(wasm.x)%", "%FILTER_STATE(wasm.x:TYPED)%", "%REQ%"} {
		if _, err := parseAccessLogFormat(bad); err == nil || !strings.Contains(err.Error(), "devproxy") && !strings.Contains(err.Error(), "needs") {
			t.Errorf("%s: err %v, want a refusal", bad, err)
		}
	}
}
