package jwtverify

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/mint"
)

const revNow = 1_800_000_000

func TestParseRevocationsRefusesBadDocuments(t *testing.T) {
	long := strings.Repeat("x", MaxRevocationIDBytes+1)
	tests := []struct {
		name, doc, detail string
		lim               RevocationLimits
	}{
		{"not JSON", `{"version":1,`, "not valid JSON", RevocationLimits{}},
		{"not UTF-8", "{\"version\":1,\"jti\":[{\"jti\":\"\xff\",\"expires\":1}]}", "UTF-8", RevocationLimits{}},
		{"too deep", `{"version":1,"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "deep", RevocationLimits{}},
		{"array", `[]`, "not a JSON object", RevocationLimits{}},
		{"no version", `{"jti":[]}`, `"version" is required`, RevocationLimits{}},
		{"version 2", `{"version":2}`, `"version" must be 1`, RevocationLimits{}},
		{"version as string", `{"version":"1"}`, `"version" must be 1`, RevocationLimits{}},
		{"version 1.0", `{"version":1.0}`, `"version" must be 1`, RevocationLimits{}},
		{"duplicate top-level member", `{"version":1,"jti":[],"jti":[]}`, `"jti" appears twice`, RevocationLimits{}},
		{"duplicate member by escape", `{"version":1,"\u0076ersion":1}`, `"version" appears twice`, RevocationLimits{}},
		{"unknown top-level member", `{"version":1,"jtis":[]}`, `unknown member "jtis"`, RevocationLimits{}},
		{"jti not an array", `{"version":1,"jti":{}}`, `"jti" must be an array`, RevocationLimits{}},
		{"entry not an object", `{"version":1,"jti":["a"]}`, "jti[0] must be an object", RevocationLimits{}},
		{"duplicate entry member", `{"version":1,"jti":[{"jti":"a","jti":"b","expires":1}]}`, `jti[0]: member "jti" appears twice`, RevocationLimits{}},
		{"unknown entry member", `{"version":1,"jti":[{"jti":"a","expires":1,"sub":"x"}]}`, `jti[0]: unknown member "sub"`, RevocationLimits{}},
		{"missing expires", `{"version":1,"jti":[{"jti":"a"}]}`, "jti[0].expires is required", RevocationLimits{}},
		{"missing iat_before", `{"version":1,"sub":[{"sub":"a","expires":1}]}`, "sub[0].iat_before is required", RevocationLimits{}},
		{"jti a number", `{"version":1,"jti":[{"jti":7,"expires":1}]}`, "jti[0].jti must be a string", RevocationLimits{}},
		{"empty jti", `{"version":1,"jti":[{"jti":"","expires":1}]}`, "jti[0].jti must be 1 to", RevocationLimits{}},
		{"jti too long", `{"version":1,"jti":[{"jti":"` + long + `","expires":1}]}`, "jti[0].jti must be 1 to", RevocationLimits{}},
		{"expires a string", `{"version":1,"jti":[{"jti":"a","expires":"1"}]}`, "jti[0].expires must be an integer", RevocationLimits{}},
		{"expires negative", `{"version":1,"jti":[{"jti":"a","expires":-1}]}`, "jti[0].expires must be an integer", RevocationLimits{}},
		{"expires fraction", `{"version":1,"jti":[{"jti":"a","expires":1.5}]}`, "jti[0].expires must be an integer", RevocationLimits{}},
		{"expires exponent", `{"version":1,"jti":[{"jti":"a","expires":1e9}]}`, "jti[0].expires must be an integer", RevocationLimits{}},
		{"expires leading zero", `{"version":1,"jti":[{"jti":"a","expires":017}]}`, "not valid JSON", RevocationLimits{}},
		{"expires after 9999", `{"version":1,"jti":[{"jti":"a","expires":253402300800}]}`, "at most 253402300799", RevocationLimits{}},
		{"expires huge", `{"version":1,"jti":[{"jti":"a","expires":99999999999999999999}]}`, "must be an integer", RevocationLimits{}},
		{"iat_before null", `{"version":1,"all":{"iat_before":null,"expires":1}}`, "all.iat_before must be an integer", RevocationLimits{}},
		{"all an array", `{"version":1,"all":[]}`, "all must be an object", RevocationLimits{}},
		{"repeated jti", `{"version":1,"jti":[{"jti":"a","expires":1},{"jti":"a","expires":2}]}`, "jti[1].jti repeats an earlier entry", RevocationLimits{}},
		{"repeated sub", `{"version":1,"sub":[{"sub":"a","iat_before":1,"expires":1},{"sub":"a","iat_before":1,"expires":2}]}`, "sub[1].sub repeats", RevocationLimits{}},
		{"too many entries", string(mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("a", 1), mint.RevokeJTI("b", 1)}, Sub: []mint.RevokedSub{mint.RevokeSub("c", 1, 1)}}.JSON()), "more than 2 entries", RevocationLimits{MaxEntries: 2}},
		{"all counts as an entry", string(mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("a", 1), mint.RevokeJTI("b", 1)}, All: mint.RevokeAll(1, 1)}.JSON()), "more than 2 entries", RevocationLimits{MaxEntries: 2}},
		{"too large", `{"version":1,"jti":[]}`, "more than the limit of 10", RevocationLimits{MaxBytes: 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseRevocations([]byte(tc.doc), tc.lim)
			if err == nil {
				t.Fatalf("accepted, %d entries", l.Len())
			}
			if !errors.Is(err, ErrBadRevocationList) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("error %q, want bad_revocation_list mentioning %q", err, tc.detail)
			}
		})
	}
}

func TestRevocationShapes(t *testing.T) {
	doc := mint.Revocations{
		JTI: []mint.RevokedJTI{mint.RevokeJTI("tok-1", revNow+600), mint.RevokeJTI("spent", revNow)},
		Sub: []mint.RevokedSub{mint.RevokeSub("alice", revNow-100, revNow+3600), mint.RevokeSub("old", revNow, revNow-1)},
	}.JSON()
	l, err := ParseRevocations(doc, RevocationLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 4 {
		t.Fatalf("Len %d, want 4", l.Len())
	}
	withAll, err := ParseRevocations(mint.Revocations{All: mint.RevokeAll(revNow-50, revNow+60)}.JSON(), RevocationLimits{})
	if err != nil {
		t.Fatal(err)
	}
	iat := func(s int64) TokenIDs { return TokenIDs{Sub: "bob", IAT: s, HasIAT: true} }
	tests := []struct {
		name string
		list *RevocationList
		ids  TokenIDs
		now  int64
		want bool
	}{
		{"jti listed", l, TokenIDs{JTI: "tok-1", Sub: "bob", IAT: revNow, HasIAT: true}, revNow, true},
		{"jti listed, no iat needed", l, TokenIDs{JTI: "tok-1"}, revNow, true},
		{"jti not listed", l, TokenIDs{JTI: "tok-2", Sub: "bob", IAT: revNow, HasIAT: true}, revNow, false},
		{"jti entry spent", l, TokenIDs{JTI: "spent"}, revNow, false},
		{"jti entry applies until expires", l, TokenIDs{JTI: "tok-1"}, revNow + 599, true},
		{"jti entry spent at expires", l, TokenIDs{JTI: "tok-1"}, revNow + 600, false},
		{"sub issued before the cut-off", l, TokenIDs{Sub: "alice", IAT: revNow - 101, HasIAT: true}, revNow, true},
		{"sub issued at the cut-off", l, TokenIDs{Sub: "alice", IAT: revNow - 100, HasIAT: true}, revNow, false},
		{"sub issued after the cut-off", l, TokenIDs{Sub: "alice", IAT: revNow, HasIAT: true}, revNow, false},
		{"sub without iat fails closed", l, TokenIDs{Sub: "alice"}, revNow, true},
		{"other sub", l, TokenIDs{Sub: "alicia", IAT: 1, HasIAT: true}, revNow, false},
		{"sub entry spent", l, TokenIDs{Sub: "old", IAT: 1, HasIAT: true}, revNow, false},
		{"no jti and no sub", l, TokenIDs{IAT: 1, HasIAT: true}, revNow, false},
		{"all: issued before", withAll, iat(revNow - 51), revNow, true},
		{"all: issued at the cut-off", withAll, iat(revNow - 50), revNow, false},
		{"all: without iat fails closed", withAll, TokenIDs{}, revNow, true},
		{"all: spent", withAll, iat(1), revNow + 60, false},
		{"nil list", nil, TokenIDs{JTI: "tok-1"}, revNow, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.list.Revokes(tc.ids, tc.now); got != tc.want {
				t.Fatalf("Revokes = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRevocationIDsOfAToken(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]any
		want   TokenIDs
	}{
		{"all three", validClaims(map[string]any{"jti": "j-1"}), TokenIDs{JTI: "j-1", Sub: "alice", IAT: testNow.Unix() - 10, HasIAT: true}},
		{"jti a number is no jti", validClaims(map[string]any{"jti": 7}), TokenIDs{Sub: "alice", IAT: testNow.Unix() - 10, HasIAT: true}},
		{"no sub, no iat", validClaims(map[string]any{"sub": nil, "iat": nil, "jti": "j"}), TokenIDs{JTI: "j"}},
		{"iat a string is no iat", validClaims(map[string]any{"iat": "1"}), TokenIDs{Sub: "alice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := Parse(sign(t, testRSA, tc.claims, nil), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.RevocationIDs(); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestRevocationListOf100000Entries: the largest default list parses, and a lookup in it
// costs what it costs in a list of one (BenchmarkRevokes shows the figures).
func TestRevocationListOf100000Entries(t *testing.T) {
	doc := bigRevocationList(DefaultMaxRevocationEntries)
	if len(doc) > DefaultMaxRevocationBytes {
		t.Fatalf("a list of %d entries is %d bytes, over the default size limit", DefaultMaxRevocationEntries, len(doc))
	}
	l, err := ParseRevocations(doc, RevocationLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != DefaultMaxRevocationEntries {
		t.Fatalf("Len %d", l.Len())
	}
	if !l.Revokes(TokenIDs{JTI: "jti-77777"}, revNow) || !l.Revokes(TokenIDs{Sub: "sub-4", IAT: revNow - 1, HasIAT: true}, revNow) {
		t.Fatal("listed entries not found")
	}
	if _, err := ParseRevocations(bigRevocationList(DefaultMaxRevocationEntries+1), RevocationLimits{}); !errors.Is(err, ErrBadRevocationList) {
		t.Fatalf("one entry over the default limit: %v", err)
	}
}

// bigRevocationList has n entries: n-n/10 jti entries and n/10 sub entries.
func bigRevocationList(n int) []byte {
	var r mint.Revocations
	for i := 0; i < n-n/10; i++ {
		r.JTI = append(r.JTI, mint.RevokedJTI{JTI: "jti-" + strconv.Itoa(i), Expires: revNow + 3600})
	}
	for i := 0; i < n/10; i++ {
		r.Sub = append(r.Sub, mint.RevokedSub{Sub: "sub-" + strconv.Itoa(i), IATBefore: revNow, Expires: revNow + 3600})
	}
	return r.JSON()
}

// BenchmarkRevokes: go test -run '^$' -bench Revokes ./jwtverify — a lookup in a list of one
// entry and in one of 10^5.
func BenchmarkRevokes(b *testing.B) {
	for _, n := range []int{1, DefaultMaxRevocationEntries} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			l, err := ParseRevocations(bigRevocationList(n), RevocationLimits{})
			if err != nil {
				b.Fatal(err)
			}
			ids := TokenIDs{JTI: "jti-not-listed", Sub: "sub-not-listed", IAT: revNow, HasIAT: true}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if l.Revokes(ids, revNow) {
					b.Fatal("revoked")
				}
			}
		})
	}
}

// FuzzParseRevocations: any document is refused with bad_revocation_list or accepted; an
// accepted one decodes the same with encoding/json (the oracle), and every entry it lists
// revokes what it names until its expiry.
func FuzzParseRevocations(f *testing.F) {
	f.Add(mint.Revocations{JTI: []mint.RevokedJTI{mint.RevokeJTI("a", 5)}, Sub: []mint.RevokedSub{mint.RevokeSub("s", 3, 9)}, All: mint.RevokeAll(2, 8)}.JSON())
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"jti":[{"jti":"\u0061","expires":0}]}`))
	f.Add([]byte(`{"version":1,"sub":[{"sub":"a","iat_before":1,"expires":253402300799}]}`))
	f.Add([]byte(`{"version":1,"jti":[{"jti":"a","expires":1},{"jti":"a","expires":1}]}`))
	f.Add([]byte(`{"version":1,"all":{"iat_before":1,"expires":1e3}}`))
	f.Add(bigRevocationList(50))
	f.Fuzz(func(t *testing.T, doc []byte) {
		lim := RevocationLimits{MaxEntries: 64}
		l, err := ParseRevocations(doc, lim)
		if err != nil {
			if !errors.Is(err, ErrBadRevocationList) {
				t.Fatalf("error outside the catalogue: %v", err)
			}
			return
		}
		if l.Len() > lim.MaxEntries {
			t.Fatalf("%d entries accepted, limit %d", l.Len(), lim.MaxEntries)
		}
		var oracle mint.Revocations
		if err := json.Unmarshal(doc, &oracle); err != nil {
			t.Fatalf("accepted, but encoding/json refuses it: %v", err)
		}
		n := len(oracle.JTI) + len(oracle.Sub)
		if oracle.All != nil {
			n++
		}
		if oracle.Version != 1 || n != l.Len() {
			t.Fatalf("version %d, %d entries by encoding/json; %d parsed", oracle.Version, n, l.Len())
		}
		for _, e := range oracle.JTI {
			// Issued at the latest possible time, so that no cut-off of the list revokes it.
			ids := TokenIDs{JTI: e.JTI, IAT: maxNumericDate, HasIAT: true}
			if e.Expires > 0 && (!l.Revokes(ids, e.Expires-1) || l.Revokes(ids, e.Expires)) {
				t.Fatalf("jti entry %q does not revoke exactly until %d", e.JTI, e.Expires)
			}
		}
		for _, e := range oracle.Sub {
			if e.Expires > 0 && e.IATBefore > 0 && oracle.All == nil && !l.Revokes(TokenIDs{Sub: e.Sub, IAT: e.IATBefore - 1, HasIAT: true}, e.Expires-1) {
				t.Fatalf("sub entry %q does not revoke a token issued before its cut-off", e.Sub)
			}
		}
	})
}

// BenchmarkParseRevocations: go test -run '^$' -bench ParseRevocations ./jwtverify — a
// list of 10^5 entries (about 4 MB).
func BenchmarkParseRevocations(b *testing.B) {
	doc := bigRevocationList(DefaultMaxRevocationEntries)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseRevocations(doc, RevocationLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}
