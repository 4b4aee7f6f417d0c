package filter

import (
	"testing"
)

func init() {
	fieldCases = append(fieldCases,
		fieldCase{field: "providers.<name>.subjects", run: func(t *testing.T) {
			h := newHarness(t, policyConfig(`, "subjects": [{"exact": "alice"}, {"prefix": "svc:orders:"}]`, `{"match": {"prefix": "/"}, "require": {}}`))
			for _, tc := range []struct {
				sub    any
				status int
				reason string
			}{
				{"alice", 200, ""},
				{"svc:orders:api", 200, ""},
				{"bob", 401, "subject_not_allowed"},
				{"svc:orders", 401, "subject_not_allowed"},
				{[]string{"alice"}, 401, "bad_claim"},
			} {
				h.expect(t, "GET", "/x", tc.status, tc.reason, bearer(h.token(testKeys.RSA, map[string]any{"sub": tc.sub})))
			}
			if c := h.counter("jwtguard.rejected.reason.subject_not_allowed.provider.corp"); c != 2 {
				t.Errorf("counter %d, want 2", c)
			}
		}},
		fieldCase{field: "providers.<name>.max_lifetime", run: func(t *testing.T) {
			h := newHarness(t, policyConfig(`, "max_lifetime": "1h"`, `{"match": {"prefix": "/"}, "require": {}}`))
			now := h.clock.now().Unix()
			for _, tc := range []struct {
				iat, exp any
				status   int
				reason   string
			}{
				{now - 10, now + 600, 200, ""},
				{now - 10, now + 3590, 200, ""},
				{now - 10, now + 3591, 401, "lifetime_too_long"},
				{nil, now + 600, 401, "missing_iat"},
			} {
				h.expect(t, "GET", "/x", tc.status, tc.reason, bearer(h.token(testKeys.RSA, map[string]any{"iat": tc.iat, "exp": tc.exp})))
			}
			if a, b := h.counter("jwtguard.rejected.reason.lifetime_too_long.provider.corp"), h.counter("jwtguard.rejected.reason.missing_iat.provider.corp"); a != 1 || b != 1 {
				t.Errorf("counters %d %d, want 1 1", a, b)
			}
		}},
	)
}
