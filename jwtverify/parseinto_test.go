package jwtverify

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// parsedView is what a caller reads from a parsed token, to compare ParseInto with Parse.
type parsedView struct {
	Alg, Kid, Typ, Iss string
	HasKid             bool
	Scopes             []string
	Sub                string
	SubFound           Lookup
	Claims             error
	KeyID              KeyID
	Signature          error
}

func viewOf(t *Token, ks *KeySet) parsedView {
	v := parsedView{Alg: t.Alg(), Typ: t.Typ()}
	v.Kid, v.HasKid = t.Kid()
	v.Iss, _ = t.Issuer()
	v.Scopes = t.Scopes(testScopePaths)
	sub, found := t.Claim(subPath)
	v.Sub, v.SubFound = sub.String(), found
	v.Claims = t.ValidateClaims(testNow, &testPolicy)
	v.KeyID, v.Signature = t.VerifySignature(ks, AllAlgorithms)
	return v
}

// TestParseIntoReusedTokenReadsLikeParse: one Token reused for a sequence of tokens (a
// token with more claims than memberBuf holds, a small one, refused ones in between, tokens
// with and without kid and typ) reads exactly as a new Token from Parse each time, and
// values read from an earlier token stay what they were after the Token is reused.
func TestParseIntoReusedTokenReadsLikeParse(t *testing.T) {
	ks, err := ParseJWKS(mint.JWKS(testRSA, testEC))
	if err != nil {
		t.Fatal(err)
	}
	many := validClaims(nil)
	for i := 0; i < 40; i++ {
		many[fmt.Sprintf("c%02d", i)] = i
	}
	seq := []struct {
		name string
		raw  string
	}{
		{"more claims than memberBuf", sign(t, testRSA, many, nil)},
		{"small", sign(t, testEC, validClaims(map[string]any{"sub": "bob", "scope": "x"}), map[string]any{"typ": "at+jwt"})},
		{"refused: duplicate claim", signRaw(t, testRSA, `{"alg":"RS256","kid":"rsa-1"}`, `{"sub":"a","sub":"b"}`)},
		{"expired, no kid", sign(t, testEC, validClaims(map[string]any{"exp": testNow.Unix() - 3600}), map[string]any{"kid": nil})},
		{"refused: not three segments", "a.b"},
		{"valid again", sign(t, testRSA, validClaims(map[string]any{"sub": "carol"}), nil)},
	}
	var reused Token
	var earlier []parsedView
	var earlierWant []parsedView
	for _, c := range seq {
		want, wantErr := Parse(c.raw, Limits{})
		gotErr := ParseInto(&reused, c.raw, Limits{})
		if !errors.Is(gotErr, wantErr) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%s: ParseInto error %v, Parse error %v", c.name, gotErr, wantErr)
		}
		if wantErr != nil {
			continue
		}
		w, g := viewOf(want, ks), viewOf(&reused, ks)
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: reused Token reads\n%+v\nnew Token reads\n%+v", c.name, g, w)
		}
		earlier, earlierWant = append(earlier, g), append(earlierWant, w)
	}
	if !reflect.DeepEqual(earlier, earlierWant) {
		t.Fatalf("values read from earlier tokens changed when the Token was reused:\n%+v\n%+v", earlier, earlierWant)
	}
	if len(earlier) != 4 {
		t.Fatalf("%d tokens parsed, want 4 (the sequence lost its point)", len(earlier))
	}
}

// TestParseIntoDoesNotAllocateAToken: ParseInto makes two allocations fewer than Parse: the
// Token itself and the buffer of its decoded segments.
func TestParseIntoDoesNotAllocateAToken(t *testing.T) {
	raw := sign(t, testRSA, validClaims(nil), nil)
	var reused Token
	into := testing.AllocsPerRun(100, func() { _ = ParseInto(&reused, raw, Limits{}) })
	fresh := testing.AllocsPerRun(100, func() { _, _ = Parse(raw, Limits{}) })
	if into != fresh-2 {
		t.Fatalf("ParseInto allocates %v times, Parse %v: want exactly the Token and its buffer fewer", into, fresh)
	}
}
