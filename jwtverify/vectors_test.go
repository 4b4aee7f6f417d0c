package jwtverify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// vectorsDir finds the Wycheproof vectors: $JWTGUARD_TESTVECTORS/wycheproof, by default
// ../../shared/testvectors (the shared/ folder beside the repository). They cannot be
// committed here. Without them the tests skip, unless JWTGUARD_REQUIRE_VECTORS is set (CI),
// where a missing directory fails.
func vectorsDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("JWTGUARD_TESTVECTORS")
	if root == "" {
		root = filepath.Join("..", "..", "shared", "testvectors")
	}
	dir := filepath.Join(root, "wycheproof")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("JWTGUARD_REQUIRE_VECTORS") != "" {
			t.Fatalf("Wycheproof vectors not found at %s (set JWTGUARD_TESTVECTORS)", dir)
		}
		t.Skipf("Wycheproof vectors not found at %s: set JWTGUARD_TESTVECTORS to the testvectors directory to run these tests", dir)
	}
	return dir
}

func loadVectors(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type jwsVectorFile struct {
	Schema     string `json:"schema"`
	TestGroups []struct {
		Comment string          `json:"comment"`
		Public  json.RawMessage `json:"public"`
		Private json.RawMessage `json:"private"`
		Tests   []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			JWS     string   `json:"jws"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// keySetOf turns a vector's key (a JWK or a JWK Set) into a key set; nil when none is usable.
func keySetOf(raw json.RawMessage) *KeySet {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	doc := raw
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) == nil {
		if _, ok := probe["keys"]; !ok {
			doc = []byte(`{"keys":[` + string(raw) + `]}`)
		}
	}
	ks, err := ParseJWKS(doc)
	if err != nil {
		return nil
	}
	return ks
}

// runJWSVectors verifies every vector's JWS with the group's public key. A valid vector of
// an algorithm we support must verify; every other vector (invalid, or of an algorithm we
// do not support such as HS256, PS256, RS384) must be refused.
func runJWSVectors(t *testing.T, file string) {
	var f jwsVectorFile
	loadVectors(t, file, &f)
	var accepted, refusedInvalid, refusedUnsupported int
	for _, g := range f.TestGroups {
		keyDoc := g.Public
		if len(keyDoc) == 0 || string(keyDoc) == "null" {
			keyDoc = g.Private // symmetric keys: only "private" exists; we never use them
		}
		ks := keySetOf(keyDoc)
		for _, tc := range g.Tests {
			verdict := func() error {
				j, err := parseJWS(tc.JWS, Limits{MaxTokenBytes: 1 << 16})
				if err != nil {
					return err
				}
				_, err = j.verify(ks, DefaultAlgorithms)
				return err
			}()
			alg := ""
			if j, err := parseJWS(tc.JWS, Limits{MaxTokenBytes: 1 << 16}); err == nil {
				alg = j.alg
			}
			_, supported := ParseAlgorithm(alg)
			name := g.Comment + "/" + tc.Comment
			switch {
			case tc.Result == "valid" && supported:
				if verdict != nil {
					t.Errorf("tcId %d (%s): valid %s vector refused: %v", tc.TcID, name, alg, verdict)
				}
				accepted++
			case tc.Result == "valid":
				if verdict == nil {
					t.Errorf("tcId %d (%s): vector of unsupported alg %q accepted", tc.TcID, name, alg)
				}
				refusedUnsupported++
			case tc.Result == "invalid":
				if verdict == nil {
					t.Errorf("tcId %d (%s, flags %v): invalid vector accepted", tc.TcID, name, tc.Flags)
				}
				refusedInvalid++
			default:
				t.Errorf("tcId %d: result %q is not documented here; decide and document it", tc.TcID, tc.Result)
			}
		}
	}
	if accepted == 0 || refusedInvalid == 0 {
		t.Fatalf("%s: accepted %d, refused %d invalid: the vectors did not run", file, accepted, refusedInvalid)
	}
	t.Logf("%s: %d valid accepted, %d invalid refused, %d of unsupported algorithms refused", file, accepted, refusedInvalid, refusedUnsupported)
}

func TestWycheproofJSONWebSignature(t *testing.T) { runJWSVectors(t, "json_web_signature_test.json") }
func TestWycheproofJSONWebKey(t *testing.T)       { runJWSVectors(t, "json_web_key_test.json") }

type primitiveVectorFile struct {
	Schema     string `json:"schema"`
	TestGroups []struct {
		KeyJwk       json.RawMessage `json:"keyJwk"`
		PublicKeyJwk json.RawMessage `json:"publicKeyJwk"`
		PublicKey    struct {
			Wx string `json:"wx"`
			Wy string `json:"wy"`
		} `json:"publicKey"`
		Sha   string `json:"sha"`
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

// runPrimitiveVectors runs RSA PKCS#1 v1.5 and ECDSA P1363 vectors through the same key
// parsing (JWK) and verification primitive that tokens use. "acceptable" vectors are
// counted and must be refused: they are legacy encodings (e.g. a missing NULL in the
// DigestInfo) that a strict verifier need not accept, and crypto/rsa does not.
func runPrimitiveVectors(t *testing.T, file string, alg Algorithm) {
	var f primitiveVectorFile
	loadVectors(t, file, &f)
	var accepted, refused, acceptable int
	for _, g := range f.TestGroups {
		jwk := g.KeyJwk
		if len(jwk) == 0 {
			jwk = g.PublicKeyJwk
		}
		if len(jwk) == 0 && g.PublicKey.Wx != "" {
			// A few ECDSA groups give the point only in hex; write it as a JWK.
			jwk = []byte(`{"kty":"EC","crv":"P-256","x":"` + hexCoordinate(t, g.PublicKey.Wx) +
				`","y":"` + hexCoordinate(t, g.PublicKey.Wy) + `"}`)
		}
		ks := keySetOf(jwk)
		if ks == nil || len(ks.keys) != 1 {
			t.Fatalf("%s: group key does not parse: %s", file, jwk)
		}
		for _, tc := range g.Tests {
			msg, err1 := hex.DecodeString(tc.Msg)
			sig, err2 := hex.DecodeString(tc.Sig)
			if err1 != nil || err2 != nil {
				t.Fatalf("tcId %d: bad hex", tc.TcID)
			}
			digest := sha256.Sum256(msg)
			ok := verifyDigest(alg, ks.keys[0], digest[:], sig)
			switch tc.Result {
			case "valid":
				if !ok {
					t.Errorf("%s tcId %d (%s): valid signature refused", file, tc.TcID, tc.Comment)
				}
				accepted++
			case "invalid":
				if ok {
					t.Errorf("%s tcId %d (%s, %v): invalid signature accepted", file, tc.TcID, tc.Comment, tc.Flags)
				}
				refused++
			case "acceptable":
				if ok {
					t.Errorf("%s tcId %d (%s, %v): acceptable (legacy) signature accepted; we are strict", file, tc.TcID, tc.Comment, tc.Flags)
				}
				acceptable++
			}
		}
	}
	if accepted == 0 || refused == 0 {
		t.Fatalf("%s: no vectors ran", file)
	}
	t.Logf("%s: %d valid accepted, %d invalid refused, %d acceptable refused", file, accepted, refused, acceptable)
}

func TestWycheproofRSASignatures(t *testing.T) {
	for _, size := range []string{"2048", "3072", "4096"} {
		t.Run(size, func(t *testing.T) {
			runPrimitiveVectors(t, "rsa_signature_"+size+"_sha256_test.json", RS256)
		})
	}
}

func TestWycheproofECDSAP256P1363(t *testing.T) {
	runPrimitiveVectors(t, "ecdsa_secp256r1_sha256_p1363_test.json", ES256)
}

// hexCoordinate converts a hex coordinate (possibly with a leading 00 byte) to the 32-byte
// base64url form of a JWK.
func hexCoordinate(t *testing.T, h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	for len(b) > 32 && b[0] == 0 {
		b = b[1:]
	}
	out := make([]byte, 32)
	copy(out[32-len(b):], b)
	return b64url.EncodeToString(out)
}
