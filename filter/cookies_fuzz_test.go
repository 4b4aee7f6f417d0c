package filter

import (
	"strings"
	"testing"
)

// FuzzCookieParsing: no Cookie header panics the parser; removing a cookie leaves no pair of
// that name and every other pair byte for byte, in order.
func FuzzCookieParsing(f *testing.F) {
	f.Add("a=1; session=x.y.z; b=2", "session")
	f.Add(`session="a;b"; session=`, "session")
	f.Add(" ; ;=;session ;session= \t", "session")
	f.Add(strings.Repeat("k=v; ", 200)+"session=t", "session")
	f.Fuzz(func(t *testing.T, header, name string) {
		if !isToken(name) {
			return // from_cookies names are tokens (config refuses others)
		}
		values, malformed := cookieValues(header, name)
		for _, v := range values {
			if !isToken68(v) {
				t.Fatalf("value %q is not a token68", v)
			}
		}
		_ = malformed
		out, removed := withoutCookie(header, name)
		if !removed && out != header {
			t.Fatalf("nothing removed but %q became %q", header, out)
		}
		if vs, bad := cookieValues(out, name); len(vs) > 0 || bad {
			t.Fatalf("%q still has cookie %q after removal: %q", out, name, vs)
		}
		var kept []string
		for _, pair := range strings.Split(header, ";") {
			if n, _, ok := strings.Cut(pair, "="); !ok || trimOWS(n) != name {
				kept = append(kept, pair)
			}
		}
		if len(kept) == 0 {
			if out != "" {
				t.Fatalf("every pair was %q, yet %q is left", name, out)
			}
			return
		}
		if removed {
			kept[0] = strings.TrimLeft(kept[0], " \t") // the only byte change: see withoutCookie
		}
		if want := strings.Join(kept, ";"); out != want {
			t.Fatalf("other pairs changed: %q → %q, want %q", header, out, want)
		}
	})
}

// isToken is RFC 9110 §5.6.2 tchar+, the syntax config requires of a cookie name.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}
