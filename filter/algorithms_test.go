package filter

import (
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// TestProviderAlgorithms: a provider's `algorithms` restricts what its keys admit. The key set
// holds an RSA key published without alg (it admits RS* and PS*), a P-384 key and an Ed25519
// key; each token is correctly signed, so every refusal is the allow-list's or the key's.
func TestProviderAlgorithms(t *testing.T) {
	rsaKey, err := mint.New("rsa", "PS256")
	if err != nil {
		t.Fatal(err)
	}
	rsaKey.OmitJWKAlg = true
	es384, err := mint.New("p384", "ES384")
	if err != nil {
		t.Fatal(err)
	}
	ed, err := mint.New("ed", "EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	es512, err := mint.New("p521", "ES512")
	if err != nil {
		t.Fatal(err)
	}
	jwks := string(mint.JWKS(rsaKey, es384, ed, es512))
	tests := []struct {
		name       string
		algorithms string // the provider member, "" for the default
		signer     *mint.Key
		status     int
		reason     string
	}{
		{"default: PS256 on an RSA key without alg", "", rsaKey, 200, ""},
		{"default: RS512 on the same key", "", rsaKey.As("rsa", "RS512"), 200, ""},
		{"default: ES384", "", es384, 200, ""},
		{"default: EdDSA", "", ed, 200, ""},
		{"default: ES256 naming the P-384 key", "", es384.As("p384", "ES256"), 401, "no_matching_key"},
		{"default: ES512 refused although its key is published", "", es512, 401, "alg_not_allowed"},
		{"ES512 listed: ES512 passes", `["ES512"]`, es512, 200, ""},
		{"PS256 only: PS256 passes", `["PS256"]`, rsaKey, 200, ""},
		{"PS256 only: RS256 on the same key refused", `["PS256"]`, rsaKey.As("rsa", "RS256"), 401, "alg_not_allowed"},
		{"PS256 only: EdDSA refused", `["PS256"]`, ed, 401, "alg_not_allowed"},
		{"ES384 and EdDSA: EdDSA passes", `["ES384", "EdDSA"]`, ed, 200, ""},
		{"ES384 and EdDSA: PS512 refused", `["ES384", "EdDSA"]`, rsaKey.As("rsa", "PS512"), 401, "alg_not_allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			member := ""
			if tc.algorithms != "" {
				member = `, "algorithms": ` + tc.algorithms
			}
			h := newHarness(t, `{"providers": {"corp": {"issuer": "`+testIssuer+`", "audiences": ["`+testAudience+`"],
				"local_jwks": `+jwks+member+`}}, "rules": [{"match": {"prefix": "/"}, "require": {}}]}`)
			id, _ := h.request("GET", "/api", bearer(h.token(tc.signer, nil)))
			r := h.reply(id)
			if tc.status == 200 {
				if r != nil {
					t.Fatalf("want the request upstream, got %d %s", r.status, r.body["reason"])
				}
				return
			}
			if r == nil || int(r.status) != tc.status || r.body["reason"] != tc.reason {
				t.Fatalf("got %+v, want %d %s", r, tc.status, tc.reason)
			}
		})
	}
}
