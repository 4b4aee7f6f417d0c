package filter

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// FuzzRequestPath drives the whole request path with arbitrary request headers and an
// arbitrary JWKS answer: nothing may panic, and no request may pass a protected route unless
// it carries the one token that is really valid.
func FuzzRequestPath(f *testing.F) {
	// The harness clock starts at the same instant in every harness, so a token minted for it
	// here is valid in each fuzz iteration. (No harness here: the emulator is a global that a
	// harness holds until its test ends.)
	valid, err := testKeys.RSA.Sign((&harness{clock: newTestClock()}).claims(nil), nil)
	if err != nil {
		f.Fatal(err)
	}
	jwks := string(mint.JWKS(testKeys.RSA))
	f.Add("GET", "/x", "Bearer "+valid, "x-jwt-sub", "mallory", "200", jwks)
	f.Add("GET", "/x?access_token=abc", "Bearer "+valid, "authorization", "Bearer x", "200", jwks)
	f.Add("OPTIONS", "/x", "", "origin", "https://a", "500", "")
	f.Add("GET", "/x", "bearer   a.b.c", "", "", "200", `{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`)
	f.Add("GET", "/x", "Bearer "+valid+", Bearer "+valid, "x", "y", "404", "<html>")
	f.Fuzz(func(t *testing.T, method, path, authorization, name, value, status, body string) {
		h := newHarness(t, remoteConfig())
		headers := [][2]string{}
		if authorization != "" {
			headers = append(headers, [2]string{"authorization", authorization})
		}
		if name != "" && !strings.HasPrefix(name, ":") {
			headers = append(headers, [2]string{strings.ToLower(name), value})
		}
		id, action := h.request(method, path, headers...)
		for _, c := range h.callouts(id) {
			h.host.CallOnHttpCallResponse(c.CalloutID, [][2]string{{":status", status}}, nil, []byte(body))
		}
		h.host.Tick()
		if action == types.ActionPause && h.host.GetCurrentHttpStreamAction(id) == types.ActionContinue {
			action = types.ActionContinue
		}
		if action != types.ActionContinue {
			return
		}
		if method == "OPTIONS" {
			return // a CORS preflight may pass
		}
		got := h.host.GetCurrentRequestHeaders(id)
		if v, ok := header(got, "x-jwt-sub"); ok && v != "alice" {
			t.Fatalf("a spoofed claim header reached the upstream: %q", v)
		}
		// It passed: its token must verify, independently, against the key set the fuzzer
		// served. (Seeds are minted in the fuzzing coordinator, whose keys differ from a
		// worker process's, so "the" valid token is whatever the served JWKS makes valid.)
		ks, err := jwtverify.ParseJWKS([]byte(body))
		if err != nil || status != "200" {
			t.Fatalf("a request passed although no usable JWKS was served: %q %q", path, authorization)
		}
		candidates := append(strings.Fields(authorization), strings.FieldsFunc(path, func(r rune) bool { return r == '?' || r == '&' || r == '=' })...)
		for _, c := range candidates {
			if tok, err := jwtverify.Parse(c, jwtverify.Limits{}); err == nil {
				if _, err := tok.VerifySignature(ks, jwtverify.AllAlgorithms); err == nil {
					return
				}
			}
		}
		t.Fatalf("a request passed without a token that verifies: %q %q %q", method, path, authorization)
	})
}
