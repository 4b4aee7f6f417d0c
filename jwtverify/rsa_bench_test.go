package jwtverify

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"time"
)

// The RSA primitive alone, rsaModulus against crypto/rsa, on the same RS256 token and key.
// In wasm (where rsaModulus is meant to run), with the wazero CLI as the exec wrapper:
//
//	GOOS=wasip1 GOARCH=wasm go test -exec "$(go env GOROOT)/lib/wasm/go_wasip1_wasm_exec" \
//	    -run '^$' -bench 'RSAPKCS1|RSAModulus' ./jwtverify

func benchRSAInputs(b *testing.B) (*Key, []byte, []byte) {
	raw, ks := benchToken(b, testRSA)
	i := strings.LastIndexByte(raw, '.')
	sig, _ := b64url.DecodeString(raw[i+1:])
	d := sha256.Sum256([]byte(raw[:i]))
	return ks.byKid["rsa-1"][0], d[:], sig
}

// BenchmarkRSAPKCS1v15Own: rsaModulus.verifyPKCS1v15 with the context prepared once per key.
func BenchmarkRSAPKCS1v15Own(b *testing.B) {
	k, digest, sig := benchRSAInputs(b)
	m := newRSAModulus(k.rsa.n, k.rsa.e)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if !m.verifyPKCS1v15(crypto.SHA256, digest, sig) {
			b.Fatal("verify")
		}
	}
}

// BenchmarkRSAPKCS1v15Dispatch: what the token path calls in this build (rsa_dispatch_*.go).
func BenchmarkRSAPKCS1v15Dispatch(b *testing.B) {
	k, digest, sig := benchRSAInputs(b)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if !verifyRSAKey(RS256, k, digest, sig) {
			b.Fatal("verify")
		}
	}
}

// BenchmarkRSAModulusSetup: the per-key work newRSAModulus does when a key set is parsed.
func BenchmarkRSAModulusSetup(b *testing.B) {
	k, _, _ := benchRSAInputs(b)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		newRSAModulus(k.rsa.n, k.rsa.e)
	}
}

// BenchmarkRSAInterleaved: rsaModulus and crypto/rsa in turn on the same inputs, each timed
// on its own; it reports their median µs and ratio, which stay meaningful on a machine
// shared with other work.
func BenchmarkRSAInterleaved(b *testing.B) {
	k, digest, sig := benchRSAInputs(b)
	m := newRSAModulus(k.rsa.n, k.rsa.e)
	own, std := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		t0 := time.Now()
		ok1 := m.verifyPKCS1v15(crypto.SHA256, digest, sig)
		t1 := time.Now()
		ok2 := rsa.VerifyPKCS1v15(stdRSA(k), crypto.SHA256, digest, sig) == nil
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

// BenchmarkRSAPKCS1v15Target: what the first PKCS#1 v1.5 verification with a key and hash
// pays once (rsa_pkcs1v15_target.go), on top of the key's setup.
func BenchmarkRSAPKCS1v15Target(b *testing.B) {
	k, _, _ := benchRSAInputs(b)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		m := newRSAModulus(k.rsa.n, k.rsa.e)
		b.StartTimer()
		m.target(crypto.SHA256)
	}
}
