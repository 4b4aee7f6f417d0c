package jwtverify

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// appendBase64URL against the standard library (b64url), the oracle: same bytes, same
// verdict, and dst's prefix kept.
func checkBase64URL(t testing.TB, s string) {
	t.Helper()
	want, wantErr := b64url.DecodeString(s)
	prefix := []byte("prefix")
	got, err := appendBase64URL(append([]byte(nil), prefix...), s)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, standard library %v", s, err, wantErr)
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("%q: dst's prefix lost: %q", s, got)
	}
	if err == nil && !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("%q: decoded %x, standard library %x", s, got[len(prefix):], want)
	}
}

func TestAppendBase64URLMatchesStandardLibrary(t *testing.T) {
	cases := []struct{ name, s string }{
		{"empty", ""},
		{"one character (4k+1)", "A"},
		{"five characters (4k+1)", "AAAAA"},
		{"two characters, zero trailing bits", "QQ"},
		{"two characters, non-zero trailing bits", "QR"},
		{"three characters, zero trailing bits", "QUE"},
		{"three characters, non-zero trailing bits", "QUF"},
		{"four characters", "QUJD"},
		{"every alphabet character", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"},
		{"standard alphabet plus", "ab+d"},
		{"standard alphabet slash", "ab/d"},
		{"padding", "QQ=="},
		{"padding in a full quantum", "QUE="},
		{"LF the standard library skips", "QU\nJD"},
		{"CR LF the standard library skips", "QUJD\r\nQUJD"},
		{"LF in the tail", "QUJDQ\nQ"},
		{"space", "QU JD"},
		{"dot", "QU.D"},
		{"NUL", "QU\x00D"},
		{"non-ASCII", "QU\xc3\xa9"},
		{"high byte in the tail", "QUJD\xffQ"},
		{"header of a token", "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkBase64URL(t, c.s) })
	}
}

// TestAppendBase64URLRandomDifferential: 10^5 random strings, mostly of the alphabet, with
// now and then a character from outside it, at every length up to 64.
func TestAppendBase64URLRandomDifferential(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	const others = "=+/.\r\n \x00\x80\xff"
	rng := rand.New(rand.NewPCG(19, 4648))
	var b strings.Builder
	for i := 0; i < 100_000; i++ {
		b.Reset()
		n := rng.IntN(65)
		for j := 0; j < n; j++ {
			if rng.IntN(200) == 0 {
				b.WriteByte(others[rng.IntN(len(others))])
			} else {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		}
		checkBase64URL(t, b.String())
	}
}

func FuzzAppendBase64URL(f *testing.F) {
	for _, s := range []string{"", "A", "QQ", "QR", "QUE", "QUF", "QUJD", "QQ==", "QU\nJD", "ab+/", "eyJhbGciOiJSUzI1NiJ9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkBase64URL(t, s) })
}
