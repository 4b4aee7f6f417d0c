package filter

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/corpus"
)

// TestAdversarialCorpus runs internal/corpus (hostile tokens, Authorization headers and
// published keys, each with its exact answer) under proxytest, with the corpus's key set as
// local_jwks; e2e runs the same corpus through the compiled .wasm in devproxy, with the key
// set fetched from an IdP.
func TestAdversarialCorpus(t *testing.T) {
	c, err := corpus.New(testKeys, newTestClock().now())
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, `{"providers": {"corp": {`+corpus.Provider()+`, "local_jwks": `+string(c.JWKS)+`}}, "rules": `+corpus.Rules+`}`)
	for _, tc := range c.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			id, action := h.request("GET", tc.Path, tc.Headers...)
			r := h.reply(id)
			if tc.Status == 200 {
				if action != types.ActionContinue || r != nil {
					t.Fatalf("want the request to continue upstream, got action %v, reply %+v", action, r)
				}
				return
			}
			if r == nil {
				t.Fatalf("want %d %s, the request continued (action %v)", tc.Status, tc.Reason, action)
			}
			if int(r.status) != tc.Status || r.body["reason"] != tc.Reason {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body["reason"], tc.Status, tc.Reason)
			}
		})
	}
}
