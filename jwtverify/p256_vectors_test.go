package jwtverify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"testing"
)

// TestWycheproofP256Own runs every Wycheproof ECDSA P-256 (IEEE P1363 encoding) vector
// through p256Key directly, whatever the build's dispatch (ownP256): verdicts equal to the
// expected ones and to crypto/ecdsa's. vectors_test.go runs the same file through the token
// path, which uses p256Key in the wasm build only.
func TestWycheproofP256Own(t *testing.T) {
	const file = "ecdsa_secp256r1_sha256_p1363_test.json"
	var f primitiveVectorFile // every group of this file is secp256r1 with SHA-256
	loadVectors(t, file, &f)
	var valid, refused int
	for _, g := range f.TestGroups {
		if g.Sha != "SHA-256" {
			t.Fatalf("group for %s in %s", g.Sha, file)
		}
		pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: hexInt(t, g.PublicKey.Wx), Y: hexInt(t, g.PublicKey.Wy)}
		k := newP256Key(pub.X, pub.Y)
		if k == nil {
			t.Fatalf("key (%s, %s) refused", g.PublicKey.Wx, g.PublicKey.Wy)
		}
		for _, tc := range g.Tests {
			d := sha256.Sum256(hexBytes(t, tc.Msg))
			sig := hexBytes(t, tc.Sig)
			ours := k.verify(d[:], sig)
			theirs := verifyECDSA(pub, curveP256, d[:], sig)
			if ours != theirs || ours != (tc.Result == "valid") {
				t.Errorf("tcId %d (%s, %v, %s): p256Key %v, crypto/ecdsa %v", tc.TcID, tc.Comment, tc.Flags, tc.Result, ours, theirs)
			}
			if ours {
				valid++
			} else {
				refused++
			}
		}
	}
	if valid == 0 || refused == 0 {
		t.Fatalf("%d accepted, %d refused: the vectors did not run", valid, refused)
	}
	t.Logf("%d valid accepted, %d invalid refused, as crypto/ecdsa", valid, refused)
}
