package filter

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseHTTPURL(t *testing.T) {
	for _, tc := range []struct {
		name, in        string
		authority, path string // empty authority: refused
	}{
		{"plain", "https://keys.example.com/jwks", "keys.example.com", "/jwks"},
		{"http and port", "http://keys.example.com:8443/a/b", "keys.example.com:8443", "/a/b"},
		{"scheme in capitals", "HTTPS://Keys.example.com/jwks", "Keys.example.com", "/jwks"},
		{"empty path", "https://keys.example.com", "keys.example.com", "/"},
		{"empty path with query", "https://keys.example.com?x=1", "keys.example.com", "/?x=1"},
		{"query kept", "https://idp.example.com/k?x=1&y=a%2Fb", "idp.example.com", "/k?x=1&y=a%2Fb"},
		{"percent-encoding kept", "https://keys.example.com/a%20b", "keys.example.com", "/a%20b"},
		{"pchar", "https://keys.example.com/a:b@c;d=e,f", "keys.example.com", "/a:b@c;d=e,f"},
		{"IPv6 literal", "https://[2001:db8::1]:443/jwks", "[2001:db8::1]:443", "/jwks"},
		{"IPv4", "http://192.0.2.1/jwks", "192.0.2.1", "/jwks"},
		{"relative", "/jwks", "", ""},
		{"other scheme", "ftp://keys.example.com/jwks", "", ""},
		{"no slashes", "https:keys.example.com/jwks", "", ""},
		{"user", "https://u@keys.example.com/jwks", "", ""},
		{"user and password", "https://u:p@keys.example.com/jwks", "", ""},
		{"fragment", "https://keys.example.com/jwks#frag", "", ""},
		{"empty fragment", "https://keys.example.com/jwks#", "", ""},
		{"empty host", "https:///jwks", "", ""},
		{"empty host with port", "https://:443/jwks", "", ""},
		{"empty port", "https://keys.example.com:/jwks", "", ""},
		{"port not numeric", "https://keys.example.com:https/jwks", "", ""},
		{"two colons", "https://a:b:443/jwks", "", ""},
		{"unclosed IPv6", "https://[2001:db8::1/jwks", "", ""},
		{"IPv6 zone", "https://[fe80::1%25eth0]/jwks", "", ""},
		{"IPv6 full", "https://[2001:db8:0:0:0:0:0:1]/", "[2001:db8:0:0:0:0:0:1]", "/"},
		{"IPv6 all elided", "https://[::]/", "[::]", "/"},
		{"IPv6 trailing elision", "https://[2001:db8::]/", "[2001:db8::]", "/"},
		{"IPv6 with IPv4", "https://[::ffff:192.0.2.1]/", "[::ffff:192.0.2.1]", "/"},
		{"IPv6 not an address", "https://[0]/", "", ""},
		{"IPv6 nine groups", "https://[1:2:3:4:5:6:7:8:9]/", "", ""},
		{"IPv6 two elisions", "https://[1::2::3]/", "", ""},
		{"IPv6 seven groups", "https://[1:2:3:4:5:6:7]/", "", ""},
		{"IPv6 trailing colon", "https://[1:2:3:4:5:6:7:]/", "", ""},
		{"IPv6 group too long", "https://[12345::1]/", "", ""},
		{"IPv6 with bad IPv4", "https://[::ffff:192.0.2.256]/", "", ""},
		{"IPvFuture", "https://[v1.x]/", "", ""},
		{"percent in host", "https://k%41ys.example.com/", "", ""},
		{"space in path", "https://keys.example.com/a b", "", ""},
		{"DEL in host", "https://keys\x7f.example.com/", "", ""},
		{"bad percent", "https://keys.example.com/a%2", "", ""},
		{"bad percent hex", "https://keys.example.com/a%zz", "", ""},
		{"backslash", "https://keys.example.com\\@evil/", "", ""},
		{"non-ASCII", "https://kéys.example.com/", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, ok := parseHTTPURL(tc.in)
			if ok != (tc.authority != "") || u.authority != tc.authority || u.path != tc.path {
				t.Fatalf("parseHTTPURL(%q) = %+v, %v; want %q %q", tc.in, u, ok, tc.authority, tc.path)
			}
		})
	}
}

// FuzzParseHTTPURL: what parseHTTPURL accepts, net/url parses to the same authority, path
// and query, absolute, with no user or fragment; parseHTTPURL may refuse more (it is the
// stricter of the two), never less.
func FuzzParseHTTPURL(f *testing.F) {
	for _, s := range []string{"https://keys.example.com/jwks", "http://[::1]:80/?a=b", "HTTP://x/%41", "https://u@x/", "https://x/#f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, ok := parseHTTPURL(s)
		if !ok {
			return
		}
		ref, err := url.Parse(s)
		if err != nil {
			t.Fatalf("accepted %q, net/url: %v", s, err)
		}
		want := ref.EscapedPath()
		if want == "" {
			want = "/"
		}
		if ref.RawQuery != "" || ref.ForceQuery {
			want += "?" + ref.RawQuery
		}
		if ref.Host != u.authority || want != u.path || ref.User != nil || ref.Fragment != "" || ref.Opaque != "" ||
			!strings.EqualFold(ref.Scheme, "https") && !strings.EqualFold(ref.Scheme, "http") {
			t.Fatalf("%q: ours %+v, net/url host %q path %q", s, u, ref.Host, want)
		}
		if hasControlOrSpace(u.authority) || hasControlOrSpace(u.path) {
			t.Fatalf("%q: unsendable %+v", s, u)
		}
	})
}
