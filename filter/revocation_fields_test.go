package filter

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// One fieldCase per field of providers.<name>.revocation (config/REFERENCE.md), each
// showing the field change what the plugin does.
func init() {
	now := newTestClock().now().Unix()
	list := mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+3600)}}
	revokedJTI := map[string]any{"jti": "j-1"}
	// fetchedRow: the field, set to value, makes the list come from where it says; the
	// token j-1 is refused only when the fetch went there and brought the list.
	fetchedRow := func(field, value string) fieldCase {
		return fieldCase{field: "providers.<name>.revocation." + field, run: func(t *testing.T) {
			cfg := strings.Replace(revSection(""), `"`+field+`": "`, `"`+field+`": "`+value, 1)
			if field == "cluster" {
				cfg = strings.Replace(revSection(""), revCluster, "other-"+revCluster, 1)
			}
			h := newHarness(t, localConfig(t, cfg))
			h.host.Tick()
			cs := h.callouts()
			if len(cs) != 1 {
				t.Fatalf("%d fetches", len(cs))
			}
			got := map[string]string{"cluster": cs[0].Upstream}
			got["authority"], _ = header(cs[0].Headers, ":authority")
			got["path"], _ = header(cs[0].Headers, ":path")
			want := map[string]string{"cluster": "other-" + revCluster, "authority": value + "idp.example.com", "path": "/revoked"}
			if field == "path" {
				want["path"] = "/" + strings.TrimPrefix(value+"/revoked", "/")
			}
			if got[field] != want[field] {
				t.Fatalf("%s of the fetch %q, want %q", field, got[field], want[field])
			}
			h.host.CallOnHttpCallResponse(cs[0].CalloutID, [][2]string{{":status", "200"}}, nil, list.JSON())
			id, action := h.get(h.token(testKeys.RSA, revokedJTI))
			h.want(id, action, 401, "token_revoked")
		}}
	}
	fieldCases = append(fieldCases,
		fetchedRow("cluster", ""),
		fetchedRow("authority", "lists."),
		fetchedRow("path", "/v2"),
		fieldCase{field: "providers.<name>.revocation.refresh_interval", run: func(t *testing.T) {
			// The next fetch is due after refresh_interval: 10s by default, 30s here.
			for _, tc := range []struct {
				extra string
				after time.Duration
			}{{"", 10 * time.Second}, {`, "refresh_interval": "30s"`, 30 * time.Second}} {
				t.Run(tc.after.String(), func(t *testing.T) {
					h := withList(t, tc.extra, list)
					h.clock.advance(tc.after - time.Second)
					h.host.Tick()
					if n := len(h.revFetches()); n != 1 {
						t.Fatalf("%d fetches before refresh_interval", n)
					}
					h.clock.advance(time.Second)
					h.host.Tick()
					if n := len(h.revFetches()); n != 2 {
						t.Fatalf("%d fetches at refresh_interval, want 2", n)
					}
				})
			}
		}},
		fieldCase{field: "providers.<name>.revocation.timeout", run: func(t *testing.T) {
			// An unanswered fetch stops counting as under way after timeout (+1 s of lease
			// margin), and the list is asked for again: at 2.6 s with 1500ms, not with 2s.
			for _, tc := range []struct {
				extra   string
				fetches int
			}{{"", 1}, {`, "timeout": "1500ms"`, 2}} {
				t.Run(strconv.Itoa(tc.fetches), func(t *testing.T) {
					h := newHarness(t, localConfig(t, revSection(tc.extra)))
					h.host.Tick()
					h.clock.advance(2600 * time.Millisecond)
					h.host.Tick()
					if n := len(h.revFetches()); n != tc.fetches {
						t.Fatalf("%d fetches, want %d", n, tc.fetches)
					}
				})
			}
		}},
		fieldCase{field: "providers.<name>.revocation.static", run: func(t *testing.T) {
			for _, tc := range []struct {
				section string
				status  uint32
			}{{revSection(""), 0}, {revSection(`, "static": ` + string(list.JSON())), 401}} {
				t.Run(strconv.Itoa(int(tc.status)), func(t *testing.T) {
					h := newHarness(t, localConfig(t, tc.section))
					h.host.Tick()
					h.answerList("200", "", mint.Revocations{}.JSON())
					id, action := h.get(h.token(testKeys.RSA, revokedJTI))
					h.want(id, action, tc.status, "token_revoked")
				})
			}
		}},
		fieldCase{field: "providers.<name>.revocation.on_unavailable", run: func(t *testing.T) {
			for _, tc := range []struct {
				value  string
				status uint32
			}{{"deny", 503}, {"allow", 0}} {
				t.Run(tc.value, func(t *testing.T) {
					// The request arrives before any list; the fetch it causes fails.
					h := newHarness(t, localConfig(t, revSection(`, "on_unavailable": "`+tc.value+`"`)))
					h.host.Tick()
					id, action := h.get(h.token(testKeys.RSA, nil))
					h.answerList("503", "", nil, id)
					if tc.value == "deny" {
						action = h.host.GetCurrentHttpStreamAction(id)
					}
					h.want(id, action, tc.status, "revocation_unavailable")
				})
			}
		}},
		fieldCase{field: "providers.<name>.revocation.max_bytes", run: func(t *testing.T) {
			big := mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+3600), mint.RevokeJTI(strings.Repeat("x", 250), now+3600)}}
			for i := 0; i < 8; i++ {
				big.JTI = append(big.JTI, mint.RevokeJTI(strconv.Itoa(i)+strings.Repeat("y", 200), now+3600))
			}
			for _, tc := range []struct {
				extra  string
				status uint32
			}{{"", 401}, {`, "max_bytes": 1024`, 503}} {
				t.Run(tc.extra, func(t *testing.T) {
					h := newHarness(t, localConfig(t, revSection(tc.extra)))
					id, _ := h.get(h.token(testKeys.RSA, revokedJTI))
					h.answerList("200", "", big.JSON(), id)
					h.want(id, types.ActionPause, tc.status, map[uint32]string{401: "token_revoked", 503: "revocation_unavailable"}[tc.status])
				})
			}
		}},
		fieldCase{field: "providers.<name>.revocation.max_entries", run: func(t *testing.T) {
			two := mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("j-1", now+3600), mint.RevokeJTI("j-2", now+3600)}}
			for _, tc := range []struct {
				extra  string
				status uint32
			}{{"", 401}, {`, "max_entries": 1`, 503}} {
				t.Run(tc.extra, func(t *testing.T) {
					h := newHarness(t, localConfig(t, revSection(tc.extra)))
					id, _ := h.get(h.token(testKeys.RSA, revokedJTI))
					h.answerList("200", "", two.JSON(), id)
					h.want(id, types.ActionPause, tc.status, map[uint32]string{401: "token_revoked", 503: "revocation_unavailable"}[tc.status])
				})
			}
		}},
	)
}
