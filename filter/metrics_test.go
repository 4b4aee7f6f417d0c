package filter

import (
	"os"
	"regexp"
	"testing"
)

// rejections is what Prometheus shows as sum by (reason) (jwtguard_rejected): the counter of
// the reason without a provider plus its counter for provider corp.
func (h *harness) rejections(reason string) uint64 {
	return h.counter("jwtguard.rejected.reason."+reason) + h.counter("jwtguard.rejected.reason."+reason+".provider.corp")
}

// TestMetricNamesCarryLabels: each decision counts under the name that envoy/envoy.yaml's
// stats_tags regexes turn into one metric with reason and provider labels.
func TestMetricNamesCarryLabels(t *testing.T) {
	h := newHarness(t, localConfig(t, ""))
	valid := h.token(testKeys.RSA, nil)
	expired := h.token(testKeys.RSA, map[string]any{"exp": h.clock.now().Unix() - 3600})
	h.request("GET", "/api/x")
	h.request("GET", "/api/x", bearer(expired))
	h.request("GET", "/api/x", bearer(valid))
	h.request("GET", "/healthz")
	for name, want := range map[string]uint64{
		"jwtguard.rejected.reason.missing_token":               1,
		"jwtguard.rejected.reason.missing_token.provider.corp": 0,
		"jwtguard.rejected.reason.token_expired.provider.corp": 1,
		"jwtguard.rejected.reason.token_expired":               0,
		"jwtguard.allowed.provider.corp":                       1,
		"jwtguard.allowed_open_route":                          1,
	} {
		if got := h.counter(name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	// Every reason has its counter from the start, so dashboards see zeros.
	if _, err := h.host.GetCounterMetric("jwtguard.rejected.reason.bad_signature"); err != nil {
		t.Errorf("jwtguard.rejected.reason.bad_signature is not defined at start: %v", err)
	}
}

// statsTags reads the stats_tags regexes of envoy/envoy.yaml, by tag name.
func statsTags(t *testing.T) map[string]*regexp.Regexp {
	t.Helper()
	doc, err := os.ReadFile("../envoy/envoy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*regexp.Regexp{}
	rule := regexp.MustCompile(`(?m)^  - tag_name: (\w+)\n    regex: '([^']+)'$`)
	for _, m := range rule.FindAllStringSubmatch(string(doc), -1) {
		out[m[1]] = regexp.MustCompile(m[2])
	}
	if out["reason"] == nil || out["provider"] == nil {
		t.Fatalf("envoy/envoy.yaml lacks the reason and provider stats_tags: %v", out)
	}
	return out
}

// TestStatsTagRegexesSplitTheNames: the regexes of envoy/envoy.yaml, applied as Envoy applies
// them (each to the full name in the custom namespace "wasmcustom", its second group the
// value), give back reason and provider for every shape of name, dotted provider names too.
func TestStatsTagRegexesSplitTheNames(t *testing.T) {
	tags := statsTags(t)
	reasonTag, providerTag := tags["reason"], tags["provider"]
	tests := []struct{ name, reason, provider string }{
		{"jwtguard.rejected.reason.missing_token", "missing_token", ""},
		{"jwtguard.rejected.reason.token_expired.provider.corp", "token_expired", "corp"},
		{"jwtguard.rejected.reason.bad_signature.provider.login.example-2", "bad_signature", "login.example-2"},
		{"jwtguard.rejected.reason.unknown_kid.provider.a.provider.b", "unknown_kid", "a.provider.b"},
		{"jwtguard.allowed.provider.corp", "", "corp"},
		{"jwtguard.jwks.keys_age_seconds.provider.corp", "", "corp"},
		{"jwtguard.discovery.refused.provider.corp", "", "corp"},
		{"jwtguard.discovery.fetch_failure", "", ""},
		{"jwtguard.allowed_open_route", "", ""},
		{"jwtguard.cache.hit", "", ""},
	}
	for _, tc := range tests {
		full := "wasmcustom." + tc.name
		reason, provider := "", ""
		if m := reasonTag.FindStringSubmatch(full); m != nil {
			reason = m[2]
		}
		if m := providerTag.FindStringSubmatch(full); m != nil {
			provider = m[2]
		}
		if reason != tc.reason || provider != tc.provider {
			t.Errorf("%s: reason %q provider %q, want %q %q", tc.name, reason, provider, tc.reason, tc.provider)
		}
	}
}
