package filter

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// token68Grammar is RFC 7235 §2.1's token68 read character by character, the oracle of
// isToken68's eight-at-a-time table loop.
func token68Grammar(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			break
		}
	}
	if i == 0 {
		return false
	}
	return strings.Trim(s[i:], "=") == ""
}

// TestIsToken68MatchesGrammar: every byte value at every position of strings of 1 to 19
// characters (so before, in and after a whole eight-byte step), with and without padding
// after, and 10^5 random strings of token characters, padding and others.
func TestIsToken68MatchesGrammar(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := isToken68(s), token68Grammar(s); got != want {
			t.Fatalf("isToken68(%q) = %v, grammar says %v", s, got, want)
		}
	}
	check("")
	for n := 1; n <= 19; n++ {
		base := strings.Repeat("aZ9-._~+/", 3)[:n]
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				s := base[:pos] + string([]byte{byte(c)}) + base[pos+1:]
				check(s)
				check(s + "==")
			}
		}
	}
	const chars = "aZ9-._~+/==== \t\x00\x80\xff,;\""
	rng := rand.New(rand.NewPCG(7235, 2))
	var b strings.Builder
	for i := 0; i < 100_000; i++ {
		b.Reset()
		for n := rng.IntN(40); n > 0; n-- {
			if rng.IntN(8) == 0 {
				b.WriteByte(chars[rng.IntN(len(chars))])
			} else {
				b.WriteByte(chars[rng.IntN(9)])
			}
		}
		check(b.String())
	}
}

func FuzzIsToken68(f *testing.F) {
	for _, s := range []string{"", "abc", "abcdefgh", "abcdefgh=", "abcdefg h", "a=b", "====", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isToken68(s), token68Grammar(s); got != want {
			t.Fatalf("isToken68(%q) = %v, grammar says %v", s, got, want)
		}
	})
}
