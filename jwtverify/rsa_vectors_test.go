package jwtverify

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
)

// Every Wycheproof RSA signature vector through rsaModulus, whatever the build's dispatch
// (rsa_dispatch_own.go): PKCS#1 v1.5 with SHA-256/384/512 and 2048/3072/4096-bit keys, verdicts equal to
// the expected ones and to crypto/rsa's; PSS, whose encoding i18 checks on top of
// encodedMessage, the recovered encoded message equal to math/big's s^e mod n (or refused
// exactly when the length is not the modulus length or s ≥ n). vectors_test.go runs the
// SHA-256 files through the token path's dispatch as well.

type rsaVectorFile struct {
	TestGroups []struct {
		Sha       string `json:"sha"`
		PublicKey struct {
			Modulus        string `json:"modulus"`
			PublicExponent string `json:"publicExponent"`
		} `json:"publicKey"`
		Tests []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Msg     string   `json:"msg"`
			Sig     string   `json:"sig"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}

func hexInt(t *testing.T, h string) *big.Int {
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return new(big.Int).SetBytes(b)
}

var wycheproofHashes = map[string]crypto.Hash{"SHA-256": crypto.SHA256, "SHA-384": crypto.SHA384, "SHA-512": crypto.SHA512}

func TestWycheproofRSAOwnPKCS1v15(t *testing.T) {
	for _, size := range []string{"2048", "3072", "4096"} {
		for _, sha := range []string{"sha256", "sha384", "sha512"} {
			file := "rsa_signature_" + size + "_" + sha + "_test.json"
			t.Run(file, func(t *testing.T) {
				var f rsaVectorFile
				loadVectors(t, file, &f)
				var valid, refused int
				for _, g := range f.TestGroups {
					pub := &rsa.PublicKey{N: hexInt(t, g.PublicKey.Modulus), E: int(hexInt(t, g.PublicKey.PublicExponent).Int64())}
					m := newRSAModulus(pub.N, pub.E)
					h, ok := wycheproofHashes[g.Sha]
					if !ok {
						t.Fatalf("hash %q", g.Sha)
					}
					for _, tc := range g.Tests {
						msg, sig := hexBytes(t, tc.Msg), hexBytes(t, tc.Sig)
						hh := h.New()
						hh.Write(msg)
						digest := hh.Sum(nil)
						ours := m.verifyPKCS1v15(h, digest, sig)
						theirs := rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil
						if ours != theirs || ours != (tc.Result == "valid") {
							t.Errorf("tcId %d (%s, %v, %s): rsaModulus %v, crypto/rsa %v", tc.TcID, tc.Comment, tc.Flags, tc.Result, ours, theirs)
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
				t.Logf("%d valid accepted, %d invalid or acceptable refused, as crypto/rsa", valid, refused)
			})
		}
	}
}

func TestWycheproofRSAOwnPSS(t *testing.T) {
	for _, file := range []string{"rsa_pss_2048_sha256_mgf1_32_test.json", "rsa_pss_2048_sha384_mgf1_48_test.json",
		"rsa_pss_3072_sha256_mgf1_32_test.json", "rsa_pss_4096_sha256_mgf1_32_test.json",
		"rsa_pss_4096_sha384_mgf1_48_test.json", "rsa_pss_4096_sha512_mgf1_64_test.json"} {
		t.Run(file, func(t *testing.T) {
			var f rsaVectorFile
			loadVectors(t, file, &f)
			var recovered, refused, pssAccepted int
			for _, g := range f.TestGroups {
				n, e := hexInt(t, g.PublicKey.Modulus), hexInt(t, g.PublicKey.PublicExponent)
				pub := &rsa.PublicKey{N: n, E: int(e.Int64())}
				m := newRSAModulus(pub.N, pub.E)
				h, okHash := wycheproofHashes[g.Sha]
				if !okHash {
					t.Fatalf("hash %q", g.Sha)
				}
				for _, tc := range g.Tests {
					sig := hexBytes(t, tc.Sig)
					hh := h.New()
					hh.Write(hexBytes(t, tc.Msg))
					digest := hh.Sum(nil)
					// The whole PS* verification (rsa_pss.go) against crypto/rsa with the salt
					// length RFC 7518 §3.5 requires; every vector of these files uses it.
					ours := m.verifyPSS(h, digest, sig)
					theirs := rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
					if ours != theirs || (tc.Result == "valid" && !ours) {
						t.Errorf("tcId %d (%s, %v, %s): verifyPSS %v, crypto/rsa %v", tc.TcID, tc.Comment, tc.Flags, tc.Result, ours, theirs)
					}
					if ours {
						pssAccepted++
					}
					s := new(big.Int).SetBytes(sig)
					em, sc, ok := m.encodedMessage(sig)
					if want := len(sig) == m.size && s.Cmp(n) < 0; ok != want {
						t.Errorf("tcId %d (%s): encodedMessage ok = %v, want %v", tc.TcID, tc.Comment, ok, want)
						continue
					}
					if !ok {
						refused++
						continue
					}
					want := new(big.Int).Exp(s, e, n).FillBytes(make([]byte, m.size))
					if !bytes.Equal(em, want) {
						t.Errorf("tcId %d (%s): encoded message differs from math/big", tc.TcID, tc.Comment)
					}
					if tc.Result == "valid" && !strings.HasSuffix(hex.EncodeToString(em), "bc") {
						t.Errorf("tcId %d: a valid PSS signature whose encoded message does not end in 0xbc", tc.TcID)
					}
					m.release(sc)
					recovered++
				}
			}
			if recovered == 0 || pssAccepted == 0 {
				t.Fatalf("%d encoded messages, %d PSS signatures accepted: the vectors did not run", recovered, pssAccepted)
			}
			t.Logf("%d encoded messages equal to math/big's, %d refused (length or s ≥ n)", recovered, refused)
		})
	}
}

func hexBytes(t *testing.T, h string) []byte {
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
