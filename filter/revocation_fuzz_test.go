package filter

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// FuzzRevocationAnswer: a request held for the first revocation list, answered with an
// arbitrary status and body. Nothing panics, and the verdict is the parser's: passed only if
// a list that does not revoke the token was served, token_revoked only if one that revokes it
// was, revocation_unavailable (on_unavailable deny) otherwise.
//
//	GOTOOLCHAIN=go1.27.3 go test -run x -fuzz FuzzRevocationAnswer -fuzztime 20s ./filter
func FuzzRevocationAnswer(f *testing.F) {
	now := newTestClock().now().Unix()
	f.Add("200", string(mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+60)}}.JSON()))
	f.Add("200", string(mint.Revocations{Sub: []mint.RevokedSub{mint.RevokeSub("alice", now, now+60)}}.JSON()))
	f.Add("200", string(mint.Revocations{All: mint.RevokeAll(now-100, now+60)}.JSON()))
	f.Add("200", `{"version":1}`)
	f.Add("200", `{"version":1,"jti":[{"jti":"j-1","expires":1}],"jti":[]}`)
	f.Add("304", "")
	f.Add("500", `{"version":1}`)
	f.Fuzz(func(t *testing.T, status, body string) {
		h := newHarness(t, localConfig(t, revSection("")))
		ids := map[string]any{"jti": "j-1", "iat": now - 10}
		id, action := h.get(h.token(testKeys.RSA, ids))
		if action != types.ActionPause {
			t.Fatalf("not held for the first list: %v", action)
		}
		h.answerList(status, "", []byte(body), id)
		l, err := jwtverify.ParseRevocations([]byte(body), jwtverify.RevocationLimits{})
		valid := status == "200" && err == nil
		revoked := valid && l.Revokes(jwtverify.TokenIDs{JTI: "j-1", Sub: "alice", IAT: now - 10, HasIAT: true}, now-60)
		r := h.reply(id)
		switch {
		case !valid:
			if r == nil || r.body["reason"] != "revocation_unavailable" {
				t.Fatalf("answer %s %q was not a list, reply %+v", status, body, r)
			}
		case revoked:
			if r == nil || r.body["reason"] != "token_revoked" {
				t.Fatalf("a list that revokes the token was served, reply %+v", r)
			}
		case r != nil || h.host.GetCurrentHttpStreamAction(id) != types.ActionContinue:
			t.Fatalf("a list that does not revoke the token was served, reply %+v", r)
		}
	})
}
