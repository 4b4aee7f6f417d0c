package jwtverify

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// jwsPolicyRefusals are the "valid" JWS vectors we refuse by decision, each with its reason.
// Both come from RFC 7520's examples as Wycheproof publishes them: the key's JWK names one
// algorithm and the token uses another (RFC 7517 §4.4: "alg" is the algorithm intended for
// the key; RFC 8725 §3.1: a key is used with one algorithm), or the JWK names an algorithm
// that does not exist ("ES521"), which makes the key unusable rather than guessed at.
var jwsPolicyRefusals = map[int]struct {
	comment string
	want    error
}{
	346: {"rfc7520/Figure20", ErrNoMatchingKey},           // key alg PS256, token PS384
	347: {"rfc7520/Figure27", ErrKeySetEmpty},             // key alg "ES521"
	350: {"rfc7520WithKeyOps/Figure20", ErrNoMatchingKey}, // the same with key_ops
	351: {"rfc7520WithKeyOps/Figure27", ErrKeySetEmpty},
}

// runJWSVectors verifies every vector's JWS with the group's public key. A valid vector of
// an algorithm we support must verify; every other vector (invalid, or of an algorithm we
// do not support such as HS256, PS256, RS384) must be refused.
func runJWSVectors(t *testing.T, file string) {
	var f jwsVectorFile
	loadVectors(t, file, &f)
	var accepted, refusedInvalid, refusedUnsupported, refusedPolicy int
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
				_, err = j.verify(ks, AllAlgorithms)
				return err
			}()
			alg := ""
			if j, err := parseJWS(tc.JWS, Limits{MaxTokenBytes: 1 << 16}); err == nil {
				alg = j.alg
			}
			_, supported := ParseAlgorithm(alg)
			name := g.Comment + "/" + tc.Comment
			switch {
			case tc.Result == "valid" && supported && jwsPolicyRefusals[tc.TcID].comment != "":
				// A valid vector we refuse on purpose: the reason must be the documented one.
				p := jwsPolicyRefusals[tc.TcID]
				if name != p.comment || !errors.Is(verdict, p.want) {
					t.Errorf("tcId %d (%s): want the policy refusal %s of %q, got %v", tc.TcID, name, ReasonOf(p.want).Name(), p.comment, verdict)
				}
				refusedPolicy++
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
	fmt.Printf("wycheproof %-42s valid accepted %4d, invalid refused %4d, unsupported algorithms refused %d, valid refused by policy %d\n",
		file, accepted, refusedInvalid, refusedUnsupported, refusedPolicy)
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

// runPrimitiveVectors runs RSA PKCS#1 v1.5, RSA-PSS, ECDSA P1363 and Ed25519 vectors through
// the same key parsing (JWK) and verification (verifySignature: hash and primitive) that
// tokens use, and returns the counts. "acceptable" vectors are counted and must be refused:
// the only ones in these files are RSA PKCS#1 v1.5 signatures whose DigestInfo lacks the NULL
// parameter (flag MissingNull), a legacy encoding RFC 8017 §9.2 does not produce and a strict
// verifier need not accept; crypto/rsa does not (the decision is in REFERENCE.md).
func runPrimitiveVectors(t *testing.T, file string, alg Algorithm) (accepted, refused, acceptable int) {
	var f primitiveVectorFile
	loadVectors(t, file, &f)
	for _, g := range f.TestGroups {
		jwk := g.KeyJwk
		if len(jwk) == 0 {
			jwk = g.PublicKeyJwk
		}
		if len(jwk) == 0 && g.PublicKey.Wx != "" {
			// A few ECDSA groups give the point only in hex; write it as a JWK.
			c := algInfo[alg].curve
			jwk = []byte(`{"kty":"EC","crv":"` + curveInfo[c].name + `","x":"` + hexCoordinate(t, g.PublicKey.Wx, curveInfo[c].size) +
				`","y":"` + hexCoordinate(t, g.PublicKey.Wy, curveInfo[c].size) + `"}`)
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
			ok := verifySignature(alg, ks.keys[0], string(msg), sig)
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
			default:
				t.Errorf("%s tcId %d: result %q is not decided here", file, tc.TcID, tc.Result)
			}
		}
	}
	if accepted == 0 || refused == 0 {
		t.Fatalf("%s: no vectors ran", file)
	}
	t.Logf("%s: %d valid accepted, %d invalid refused, %d acceptable refused", file, accepted, refused, acceptable)
	return accepted, refused, acceptable
}

// primitiveVectorFiles is every Wycheproof signature file of an algorithm we verify, with
// that algorithm: each must be present (a missing one fails the test, so CI cannot pass
// with fewer vectors than this list).
var primitiveVectorFiles = []struct {
	file string
	alg  Algorithm
}{
	{"rsa_signature_2048_sha256_test.json", RS256},
	{"rsa_signature_3072_sha256_test.json", RS256},
	{"rsa_signature_4096_sha256_test.json", RS256},
	{"rsa_signature_2048_sha384_test.json", RS384},
	{"rsa_signature_3072_sha384_test.json", RS384},
	{"rsa_signature_4096_sha384_test.json", RS384},
	{"rsa_signature_2048_sha512_test.json", RS512},
	{"rsa_signature_3072_sha512_test.json", RS512},
	{"rsa_signature_4096_sha512_test.json", RS512},
	{"rsa_pss_2048_sha256_mgf1_32_test.json", PS256},
	{"rsa_pss_3072_sha256_mgf1_32_test.json", PS256},
	{"rsa_pss_4096_sha256_mgf1_32_test.json", PS256},
	{"rsa_pss_2048_sha384_mgf1_48_test.json", PS384},
	{"rsa_pss_4096_sha384_mgf1_48_test.json", PS384},
	{"rsa_pss_4096_sha512_mgf1_64_test.json", PS512},
	{"ecdsa_secp256r1_sha256_p1363_test.json", ES256},
	{"ecdsa_secp384r1_sha384_p1363_test.json", ES384},
	{"ecdsa_secp521r1_sha512_p1363_test.json", ES512},
	{"ed25519_test.json", EdDSA},
}

// TestWycheproofSignatures runs every file of primitiveVectorFiles and prints the counts per
// file; every algorithm of the catalogue has at least one file.
func TestWycheproofSignatures(t *testing.T) {
	vectorsDir(t)
	covered := NewAlgorithmSet()
	for _, v := range primitiveVectorFiles {
		t.Run(v.file, func(t *testing.T) {
			a, r, acc := runPrimitiveVectors(t, v.file, v.alg)
			fmt.Printf("wycheproof %-42s %-5s valid accepted %4d, invalid refused %4d, acceptable refused %d\n", v.file, v.alg, a, r, acc)
		})
		covered |= NewAlgorithmSet(v.alg)
	}
	for _, alg := range Algorithms() {
		if !covered.Has(alg) {
			t.Errorf("%s has no Wycheproof file", alg)
		}
	}
}

// hexCoordinate converts a hex coordinate (possibly with a leading 00 byte) to the size-byte
// base64url form of a JWK.
func hexCoordinate(t *testing.T, h string, size int) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	for len(b) > size && b[0] == 0 {
		b = b[1:]
	}
	out := make([]byte, size)
	copy(out[size-len(b):], b)
	return b64url.EncodeToString(out)
}
