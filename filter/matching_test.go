package filter

import (
	"testing"
)

// matchCase is one request against a configuration whose first rule tests host or headers
// (open route) and whose second requires a token: 200 means the first rule matched, 401
// missing_token that the request fell through to the second, 400 repeated_header that it
// was refused as ambiguous.
type matchCase struct {
	name      string
	authority string
	headers   [][2]string
	status    int
}

func runMatchCases(t *testing.T, match string, cases []matchCase) {
	t.Helper()
	h := newHarness(t, policyConfig("", `{"match": {"prefix": "/", `+match+`}}, {"match": {"prefix": "/"}, "require": {}}`))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := h.host.InitializeHttpContext()
			hs := append([][2]string{{":method", "GET"}, {":path", "/x"}, {":authority", tc.authority}}, tc.headers...)
			h.host.CallOnRequestHeaders(id, hs, true)
			r := h.reply(id)
			switch {
			case tc.status == 200 && r != nil:
				t.Fatalf("want the open rule, got %d %s", r.status, r.body["reason"])
			case tc.status == 200:
			case r == nil:
				t.Fatalf("want %d, the request went upstream", tc.status)
			case int(r.status) != tc.status:
				t.Fatalf("got %d %s, want %d", r.status, r.body["reason"], tc.status)
			case tc.status == 400 && r.body["reason"] != "repeated_header":
				t.Fatalf("reason %s, want repeated_header", r.body["reason"])
			}
		})
	}
}

func hdr(name, value string) [2]string { return [2]string{name, value} }

func init() {
	const api = "api.example.com"
	for _, fc := range []struct {
		field, match string
		cases        []matchCase
	}{
		{"rules[].match.hosts", `"hosts": ["status.example.com", "*.internal.example.com"]`, []matchCase{
			{"exact", "status.example.com", nil, 200},
			{"exact, mixed case and a port", "Status.EXAMPLE.com:8443", nil, 200},
			{"exact with a trailing dot", "status.example.com.", nil, 200},
			{"wildcard", "a.b.internal.example.com", nil, 200},
			{"wildcard apex", "internal.example.com", nil, 401},
			{"other host", api, nil, 401},
			{"look-alike host", "status.example.com.evil.test", nil, 401},
		}},
		{"rules[].match.headers", `"headers": [{"name": "x-a", "present": true}, {"name": "x-b", "exact": "1"}]`, []matchCase{
			{"both hold", api, [][2]string{hdr("x-a", ""), hdr("x-b", "1")}, 200},
			{"one holds", api, [][2]string{hdr("x-b", "1")}, 401},
		}},
		{"rules[].match.headers[].name", `"headers": [{"name": "X-Internal", "present": true}]`, []matchCase{
			{"named header", api, [][2]string{hdr("x-internal", "1")}, 200},
			{"another header", api, [][2]string{hdr("x-internals", "1")}, 401},
		}},
		{"rules[].match.headers[].present", `"headers": [{"name": "x-internal", "present": true}]`, []matchCase{
			{"present, empty value", api, [][2]string{hdr("x-internal", "")}, 200},
			{"present twice", api, [][2]string{hdr("x-internal", "1"), hdr("x-internal", "2")}, 200},
			{"absent", api, nil, 401},
		}},
		{"rules[].match.headers[].exact", `"headers": [{"name": "x-tenant", "exact": "acme"}]`, []matchCase{
			{"exact", api, [][2]string{hdr("x-tenant", "acme")}, 200},
			{"case differs", api, [][2]string{hdr("x-tenant", "Acme")}, 401},
			{"comma-joined", api, [][2]string{hdr("x-tenant", "acme,evil")}, 401},
			{"repeated, same value", api, [][2]string{hdr("x-tenant", "acme"), hdr("x-tenant", "acme")}, 400},
			{"repeated, other first", api, [][2]string{hdr("x-tenant", "evil"), hdr("x-tenant", "acme")}, 400},
		}},
		{"rules[].match.headers[].prefix", `"headers": [{"name": "x-tenant", "prefix": "acme-"}]`, []matchCase{
			{"prefix", api, [][2]string{hdr("x-tenant", "acme-eu")}, 200},
			{"not a prefix", api, [][2]string{hdr("x-tenant", "evil-acme-eu")}, 401},
			{"repeated", api, [][2]string{hdr("x-tenant", "acme-eu"), hdr("x-tenant", "evil")}, 400},
			{"comma-joined is one value", api, [][2]string{hdr("x-tenant", "acme-eu,evil")}, 200},
		}},
		{"rules[].match.headers[].regex", `"headers": [{"name": "x-tenant", "regex": "t-[0-9]+"}]`, []matchCase{
			{"whole value", api, [][2]string{hdr("x-tenant", "t-42")}, 200},
			{"anchored", api, [][2]string{hdr("x-tenant", "t-42,t-x")}, 401},
			{"repeated", api, [][2]string{hdr("x-tenant", "t-1"), hdr("x-tenant", "t-2")}, 400},
		}},
	} {
		fc := fc
		fieldCases = append(fieldCases, fieldCase{field: fc.field, run: func(t *testing.T) { runMatchCases(t, fc.match, fc.cases) }})
	}
}

// TestRepeatedHeaderAnswer: the 400 for an ambiguous header is an RFC 6750 invalid_request
// with its own reason and counter.
func TestRepeatedHeaderAnswer(t *testing.T) {
	h := newHarness(t, policyConfig("", `{"match": {"prefix": "/", "headers": [{"name": "x-tenant", "exact": "acme"}]}}, {"match": {"prefix": "/"}, "require": {}}`))
	id := h.expect(t, "GET", "/x", 400, "repeated_header", hdr("x-tenant", "acme"), hdr("x-tenant", "acme"))
	if r := h.reply(id); r.body["error"] != "invalid_request" {
		t.Errorf("error %q", r.body["error"])
	}
	if c := h.counter("jwtguard.rejected.reason.repeated_header"); c != 1 {
		t.Errorf("counter %d", c)
	}
}
