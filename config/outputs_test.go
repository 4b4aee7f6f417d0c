package config

import (
	"strings"
	"testing"
)

// TestTokenSourcesAndOutputsRejected: the fields of token cookies and identity outputs refuse
// what they cannot honour, naming the field.
func TestTokenSourcesAndOutputsRejected(t *testing.T) {
	tests := []struct{ name, extra, want string }{
		{"cookie name with a space", `,"from_cookies":["a b"]`, `providers.corp.from_cookies[0]: must be a cookie name`},
		{"cookie name with '='", `,"from_cookies":["a=b"]`, `providers.corp.from_cookies[0]: must be a cookie name`},
		{"cookie listed twice", `,"from_cookies":["s","s"]`, `providers.corp.from_cookies[1]: duplicate cookie "s"`},
		{"cookie list empty", `,"from_cookies":[]`, `providers.corp.from_cookies`},
		{"payload header reserved", `,"forward_payload_header":"Authorization"`, `providers.corp.forward_payload_header: must not be "authorization"`},
		{"payload header x-envoy", `,"forward_payload_header":"x-envoy-jwt"`, `providers.corp.forward_payload_header: must not start with x-envoy-`},
		{"payload header not a name", `,"forward_payload_header":"x y"`, `providers.corp.forward_payload_header: is not a valid header name`},
		{"payload header is a claim header", `,"claims_to_headers":[{"claim":"sub","header":"x-sub"}],"forward_payload_header":"X-Sub"`,
			`providers.corp.forward_payload_header: is also a header of claims_to_headers`},
		{"payload header is a token header", `,"from_headers":[{"name":"x-token"}],"forward_payload_header":"x-token"`,
			`providers.corp.forward_payload_header: is where provider "corp" reads tokens`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(withProvider(tc.extra)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a problem containing %q", err, tc.want)
			}
		})
	}
}

func TestTokenSourcesAndOutputsParsed(t *testing.T) {
	c, err := Parse([]byte(withProvider(`,"from_cookies":["session","AT"],"forward_payload_header":"X-JWT-Payload"`)))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Providers[0]
	if strings.Join(p.FromCookies, ",") != "session,AT" || p.ForwardPayloadHeader != "x-jwt-payload" {
		t.Fatalf("got cookies %q, payload header %q", p.FromCookies, p.ForwardPayloadHeader)
	}
}
