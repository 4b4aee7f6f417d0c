package jwtverify

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"time"
)

// The ES256 primitive alone, p256Key against crypto/ecdsa, on the same token and key. In wasm
// (where p256Key is meant to run), with the repository's wazero runner as the exec wrapper:
//
//	make test-wasm-vectors   # builds build/wasiexec
//	GOOS=wasip1 GOARCH=wasm go test -exec $PWD/build/wasiexec -run '^$' -bench 'P256' ./jwtverify

func benchP256Inputs(b *testing.B) (*ecdsa.PublicKey, []byte, []byte) {
	raw, ks := benchToken(b, testEC)
	i := strings.LastIndexByte(raw, '.')
	sig, _ := b64url.DecodeString(raw[i+1:])
	d := sha256.Sum256([]byte(raw[:i]))
	return ks.byKid["ec-1"][0].ec, d[:], sig
}

// BenchmarkP256VerifyInterleaved: p256Key.verify and ecdsa.Verify (through verifyECDSA, what
// the standard build calls) in turn on the same inputs, each timed on its own; it reports
// their median µs and ratio, which stay meaningful on a machine shared with other work.
func BenchmarkP256VerifyInterleaved(b *testing.B) {
	pub, digest, sig := benchP256Inputs(b)
	k := newP256Key(pub.X, pub.Y)
	own, std := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		t0 := time.Now()
		ok1 := k.verify(digest, sig)
		t1 := time.Now()
		ok2 := verifyECDSA(pub, curveP256, digest, sig)
		t2 := time.Now()
		if !ok1 || !ok2 {
			b.Fatal("verify")
		}
		own[n], std[n] = t1.Sub(t0), t2.Sub(t1)
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Nanoseconds()) / 1e3
	}
	mo, ms := median(own), median(std)
	b.ReportMetric(mo, "own-µs")
	b.ReportMetric(ms, "stdlib-µs")
	b.ReportMetric(mo/ms, "ratio")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkP256KeySetup: the per-key tables a key's first verification builds.
func BenchmarkP256KeySetup(b *testing.B) {
	pub, _, _ := benchP256Inputs(b)
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		if len(newP256Key(pub.X, pub.Y).tables()) != p256Pieces {
			b.Fatal("tables")
		}
	}
}

// BenchmarkP256FieldMul: one field multiplication, the unit the verification is counted in.
func BenchmarkP256FieldMul(b *testing.B) {
	x, y := p256One, p256RR
	for n := 0; n < b.N; n++ {
		p256Mul(&x, &x, &y)
	}
	if x.isZero() {
		b.Fatal("zero")
	}
}

// BenchmarkP256FieldSqr: one field squaring.
func BenchmarkP256FieldSqr(b *testing.B) {
	x := p256RR
	for n := 0; n < b.N; n++ {
		p256Sqr(&x, &x)
	}
	if x.isZero() {
		b.Fatal("zero")
	}
}
