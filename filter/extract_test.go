package filter

import "testing"

func TestTokenFromHeaderValue(t *testing.T) {
	tests := []struct {
		name, value, prefix, token string
		present, malformed         bool
	}{
		{"bearer", "Bearer abc.def.ghi", "Bearer ", "abc.def.ghi", true, false},
		{"scheme case-insensitive", "BEARER abc", "Bearer ", "abc", true, false},
		{"scheme lower-case", "bearer abc", "Bearer ", "abc", true, false},
		{"prefix ending in several spaces", "token   abc", "Token  ", "abc", true, false},
		{"non-ASCII scheme, other case", "ünï abc", "Ünï ", "abc", true, false},
		{"non-ASCII scheme, other letters", "unï abc", "Ünï ", "", false, false},
		{"several spaces", "Bearer    abc", "Bearer ", "abc", true, false},
		{"other scheme", "Basic dXNlcjpwYXNz", "Bearer ", "", false, false},
		{"scheme as a prefix of another", "BearerX abc", "Bearer ", "", false, false},
		{"empty token", "Bearer ", "Bearer ", "", true, true},
		{"scheme alone", "Bearer", "Bearer ", "", true, true},
		{"two tokens", "Bearer abc def", "Bearer ", "", true, true},
		{"comma-joined", "Bearer abc, Bearer def", "Bearer ", "", true, true},
		{"tab inside", "Bearer abc\tdef", "Bearer ", "", true, true},
		{"padding allowed at the end", "Bearer abc==", "Bearer ", "abc==", true, false},
		{"padding in the middle", "Bearer ab=c", "Bearer ", "", true, true},
		{"no prefix configured", "abc.def.ghi", "", "abc.def.ghi", true, false},
		{"no prefix, junk", "abc def", "", "", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := headerSource("authorization", tc.prefix)
			// Without a cache, and with one that does not hold the value: the same verdict.
			for _, cache := range []*tokenCache{nil, newTokenCache(8)} {
				token, present, check := tokenFromHeaderValue(tc.value, &src, cache)
				if token != tc.token || present != tc.present || check.malformed != tc.malformed {
					t.Fatalf("got (%q, %v, %v), want (%q, %v, %v)", token, present, check.malformed, tc.token, tc.present, tc.malformed)
				}
			}
		})
	}
}

func TestQueryValuesAndRemoval(t *testing.T) {
	tests := []struct {
		name, path, values, without string
		malformed                   bool
	}{
		{"none", "/a?b=1", "", "/a?b=1", false},
		{"one", "/a?access_token=x.y.z&b=1", "x.y.z", "/a?b=1", false},
		{"only param", "/a?access_token=x.y.z", "x.y.z", "/a", false},
		{"percent-encoded", "/a?access_token=x%2Ey.z", "x.y.z", "/a", false},
		{"bad percent", "/a?access_token=x%2", "", "/a", true},
		{"empty value", "/a?access_token=", "", "/a", true},
		{"twice", "/a?access_token=x&access_token=y", "x,y", "/a", false},
		{"fragment ignored", "/a?access_token=x#frag", "x", "/a?access_token=x#frag", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			values, malformed := queryValues(tc.path, "access_token")
			got := ""
			for i, v := range values {
				if i > 0 {
					got += ","
				}
				got += v
			}
			if malformed != tc.malformed || (!malformed && got != tc.values) {
				t.Fatalf("queryValues = %q %v, want %q %v", got, malformed, tc.values, tc.malformed)
			}
			if tc.name != "fragment ignored" && !malformed {
				if p := pathWithoutParam(tc.path, "access_token"); p != tc.without {
					t.Fatalf("pathWithoutParam = %q, want %q", p, tc.without)
				}
			}
		})
	}
}
