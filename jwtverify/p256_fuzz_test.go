package jwtverify

import (
	"bytes"
	"crypto/elliptic"
	"math/big"
	"testing"
)

// FuzzP256Verify: the same key, digest and signature to p256Key and to crypto/ecdsa; any
// difference in verdict fails. The key is d·G for the fuzzer's scalar d (reduced mod n, 0
// taken as 1) — any point of P-256, since the group is cyclic. In mode 1 the fuzzer's sig is
// ignored and a valid signature with the nonce taken from it is verified; in mode 2 that
// valid signature is XORed with the fuzzer's sig, so mutations explore signatures close to
// valid ones, which random bytes almost never are.
func FuzzP256Verify(f *testing.F) {
	n := elliptic.P256().Params().N
	nm1 := new(big.Int).Sub(n, big.NewInt(1)).Bytes()
	f.Add([]byte{1}, bytes.Repeat([]byte{0xab}, 32), bytes.Repeat([]byte{7}, 64), uint8(1))
	f.Add(nm1, bytes.Repeat([]byte{0xcd}, 32), bytes.Repeat([]byte{0}, 64), uint8(2))
	f.Add([]byte{2, 3}, []byte{}, append(n.Bytes(), n.Bytes()...), uint8(0))
	f.Add([]byte{9}, bytes.Repeat([]byte{0xff}, 64), append(bytes.Repeat([]byte{0}, 63), 1), uint8(2))
	f.Add(bytes.Repeat([]byte{0xff}, 40), []byte{1}, []byte{1, 2, 3}, uint8(0))
	f.Fuzz(func(t *testing.T, dBytes, digest, sig []byte, mode uint8) {
		if len(dBytes) > 64 || len(digest) > 128 || len(sig) > 128 {
			return
		}
		d := new(big.Int).Mod(new(big.Int).SetBytes(dBytes), n)
		if d.Sign() == 0 {
			d.SetInt64(1)
		}
		k := newP256TestKey(t, d)
		if mode%3 != 0 {
			e := new(big.Int).SetBytes(digest)
			if len(digest) > 32 {
				e.SetBytes(digest[:32])
			}
			nonce := new(big.Int).Mod(new(big.Int).SetBytes(sig), n)
			if nonce.Sign() == 0 {
				nonce.SetInt64(1)
			}
			valid := k.signRaw(t, e.Mod(e, n), nonce)
			if mode%3 == 2 {
				for i := range valid {
					if i < len(sig) {
						valid[i] ^= sig[i]
					}
				}
			}
			sig = valid
		}
		ours := k.own.verify(digest, sig)
		theirs := verifyECDSA(k.pub, curveP256, digest, sig) // crypto/ecdsa.Verify
		if ours != theirs {
			t.Fatalf("d = %x, digest %x, sig %x: p256Key %v, crypto/ecdsa %v", d, digest, sig, ours, theirs)
		}
		if mode%3 == 1 && !ours && len(digest) > 0 { // an empty digest is refused (verifyECDSA)
			t.Fatalf("d = %x, digest %x: the signature signed here (%x) was refused by both", d, digest, sig)
		}
	})
}
