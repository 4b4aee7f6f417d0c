package filter

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func init() {
	fieldCases = append(fieldCases, fieldCase{field: "cors_preflight", run: testCORSPreflightSetting})
}

// corsConfig is localConfig with cors_preflight set ("" leaves it out), and an open rule
// for OPTIONS on /open.
func corsConfig(t *testing.T, setting string) string {
	top := `"rules": [{"match": {"prefix": "/open", "methods": ["OPTIONS"]}},`
	if setting != "" {
		top = `"cors_preflight": "` + setting + `", ` + top
	}
	return strings.Replace(localConfig(t, ""), `"rules": [`, top, 1)
}

// testCORSPreflightSetting: "pass" (and the default) lets a preflight through without a
// decision; "check" sends it through the rules like any request, so a guarded route refuses it
// and an open rule for OPTIONS lets it through as an open route.
func testCORSPreflightSetting(t *testing.T) {
	preflight := [][2]string{{"origin", "https://app.example.com"}, {"access-control-request-method", "POST"}}
	for _, tc := range []struct {
		name, setting, method, path string
		headers                     [][2]string
		status                      uint32 // 0: continues
		openRoutes                  uint64 // jwtguard.allowed_open_route afterwards
	}{
		{"default passes a preflight", "", "OPTIONS", "/api/x", preflight, 0, 0},
		{"pass passes a preflight", "pass", "OPTIONS", "/api/x", preflight, 0, 0},
		{"pass still checks OPTIONS without Origin", "pass", "OPTIONS", "/api/x", preflight[1:], 401, 0},
		{"check refuses a preflight on a guarded route", "check", "OPTIONS", "/api/x", preflight, 401, 0},
		{"check lets an open rule decide", "check", "OPTIONS", "/open", preflight, 0, 1},
		{"check leaves other methods alone", "check", "GET", "/open", preflight, 403, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, corsConfig(t, tc.setting))
			id, action := h.request(tc.method, tc.path, tc.headers...)
			r := h.reply(id)
			switch {
			case tc.status == 0 && (action != types.ActionContinue || r != nil):
				t.Fatalf("want the request to continue, got %v %+v", action, r)
			case tc.status != 0 && (r == nil || r.status != tc.status):
				t.Fatalf("want %d, got %v %+v", tc.status, action, r)
			}
			if got := h.counter("jwtguard.allowed_open_route"); got != tc.openRoutes {
				t.Errorf("allowed_open_route = %d, want %d", got, tc.openRoutes)
			}
		})
	}
}
