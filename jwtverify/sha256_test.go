package jwtverify

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand"
	"strings"
	"testing"
)

// TestSHA256FIPSExamples: FIPS 180-4's examples (NIST's SHA-256 example values), including
// the 56-byte message whose padding needs a second block.
func TestSHA256FIPSExamples(t *testing.T) {
	for _, tc := range []struct{ name, msg, want string }{
		{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"two blocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"a million a", strings.Repeat("a", 1000000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sha256Sum(tc.msg)
			if hex.EncodeToString(got[:]) != tc.want {
				t.Fatalf("sha256Sum = %x, want %s", got, tc.want)
			}
		})
	}
}

// TestSHA256DifferentialStdlib holds sha256Sum to crypto/sha256 on every length up to five
// blocks (each padding case: the length field in the same block or the next) and on 10^5
// random inputs of up to 2 KiB; sum256 (what verification calls in this build) as well.
func TestSHA256DifferentialStdlib(t *testing.T) {
	rng := rand.New(rand.NewSource(256))
	buf := make([]byte, 2048)
	check := func(b []byte) {
		t.Helper()
		want := sha256.Sum256(b)
		if got := sha256Sum(string(b)); got != want {
			t.Fatalf("len %d: sha256Sum %x, crypto/sha256 %x", len(b), got, want)
		}
		if got := sum256(string(b)); got != want {
			t.Fatalf("len %d: sum256 %x, crypto/sha256 %x", len(b), got, want)
		}
	}
	rng.Read(buf)
	for n := 0; n <= 5*64; n++ {
		check(buf[:n])
	}
	for i := 0; i < 100000; i++ {
		b := buf[:rng.Intn(len(buf)+1)]
		rng.Read(b)
		check(b)
	}
}

func FuzzSHA256(f *testing.F) {
	f.Add("")
	f.Add("abc")
	f.Add(strings.Repeat("x", 55))
	f.Add(strings.Repeat("x", 56))
	f.Add(strings.Repeat("x", 64))
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := sha256Sum(s), sha256.Sum256([]byte(s)); got != want {
			t.Fatalf("%q: sha256Sum %x, crypto/sha256 %x", s, got, want)
		}
	})
}

// BenchmarkSHA256SigningInput: a typical token's signing input (~550 bytes). In wasm:
//
//	GOOS=wasip1 GOARCH=wasm go test -exec $PWD/build/wasiexec -run '^$' -bench SHA256 ./jwtverify
func BenchmarkSHA256SigningInput(b *testing.B) {
	s := strings.Repeat("eyJhbGciOiJSUzI1NiJ9", 28)
	b.Run("own", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sha256Sum(s)
		}
	})
	b.Run("crypto/sha256", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sha256.Sum256([]byte(s))
		}
	})
}
