package strictjson

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// twoStep is what Object replaces: Problem, then gjson's parse and Members.
func twoStep(doc string) (members []Member, dup string, hasDup, ok bool) {
	if Problem([]byte(doc)) != "" {
		return nil, "", false, false
	}
	o := gjson.Parse(doc)
	if !o.IsObject() {
		return nil, "", false, false
	}
	members, dup, hasDup = Members(nil, o)
	return members, dup, hasDup, true
}

// checkAgrees fails t unless Object and twoStep read doc alike: the same verdict, the same
// duplicate, and (without one) the same members with the same Type, Raw, Str and Num.
func checkAgrees(t *testing.T, doc string) {
	t.Helper()
	got, gotDup, gotHas, gotOK := Object(nil, doc)
	want, wantDup, wantHas, wantOK := twoStep(doc)
	if gotOK != wantOK || gotHas != wantHas || gotDup != wantDup {
		t.Fatalf("%q: Object ok=%v duplicate=%v %q, Problem+Members ok=%v duplicate=%v %q", doc, gotOK, gotHas, gotDup, wantOK, wantHas, wantDup)
	}
	if !gotOK || gotHas {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d members, want %d", doc, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Value.Type != w.Value.Type || g.Value.Raw != w.Value.Raw ||
			g.Value.Str != w.Value.Str || math.Float64bits(g.Value.Num) != math.Float64bits(w.Value.Num) {
			t.Fatalf("%q: member %d is %q %+v, want %q %+v", doc, i, g.Name, g.Value, w.Name, w.Value)
		}
	}
}

func TestObjectAgreesWithProblemAndMembers(t *testing.T) {
	deep := func(n int) string {
		return `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`
	}
	for _, tc := range []struct{ name, doc string }{
		{"empty object", `{}`},
		{"empty object with space", " \t\r\n{ \n} \r"},
		{"token payload", `{"iss":"https://idp.example","sub":"u-1","aud":["api","web"],"exp":1767225600,"iat":1767222000,"scope":"read write","realm_access":{"roles":["admin"]}}`},
		{"every type", `{"s":"x","n":-1.5e+3,"t":true,"f":false,"z":null,"o":{"k":[1,{"m":null}]},"a":[]}`},
		{"escaped name and value", `{"\u0065xp":1,"n\"q":"a\\b\/c\n\u00e9"}`},
		{"escaped duplicate", `{"exp":1,"\u0065xp":2}`},
		{"duplicate empty name", `{"":"","":"","0":""}`},
		{"duplicate then bad JSON", `{"a":1,"a":2,`},
		{"duplicate then trailing garbage", `{"a":1,"a":2} x`},
		{"seventeen members then a duplicate", `{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1,"l":1,"m":1,"n":1,"o":1,"p":1,"q":1,"r":1,"c":2}`},
		{"duplicate as the seventeenth member", `{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1,"l":1,"m":1,"n":1,"o":1,"p":1,"a":2}`},
		{"names alike in length, first and last byte", `{"exp":1,"eap":2,"e\u0078p":3}`},
		{"names alike in length, first and last byte, no duplicate", `{"exp":1,"eap":2,"ezp":3}`},
		{"UTF-8 in strings", "{\"n\":\"日本\",\"é\":\"\xef\xbf\xbd\"}"},
		{"invalid UTF-8 in a string", "{\"n\":\"\xff\"}"},
		{"surrogate as UTF-8", "{\"n\":\"\xed\xa0\x80\"}"},
		{"overlong UTF-8", "{\"n\":\"\xc0\xaf\"}"},
		{"truncated UTF-8", "{\"n\":\"\xe6\x97\"}"},
		{"lone surrogate escape", `{"n":"\ud800"}`},
		{"control character", "{\"n\":\"a\x01\"}"},
		{"DEL in a string", "{\"n\":\"a\x7f\"}"},
		{"bad escape", `{"n":"\x"}`},
		{"short unicode escape", `{"n":"\u12"}`},
		{"escape at the end", `{"n":"\`},
		{"nesting at the limit", deep(MaxNesting)},
		{"nesting past the limit", deep(MaxNesting + 1)},
		{"leading zero", `{"n":01}`},
		{"minus zero", `{"n":-0}`},
		{"bare minus", `{"n":-}`},
		{"fraction without digits", `{"n":1.}`},
		{"exponent without digits", `{"n":1e}`},
		{"exponent sign only", `{"n":1e+}`},
		{"plus sign", `{"n":+1}`},
		{"huge number", `{"n":1e400}`},
		{"sixteen digits", `{"n":9007199254740993}`},
		{"fifteen digits", `{"n":-999999999999999}`},
		{"infinity word", `{"n":Infinity}`},
		{"NaN word", `{"n":NaN}`},
		{"truncated literal", `{"n":tru}`},
		{"capital literal", `{"n":True}`},
		{"array at the top", `[{"a":1}]`},
		{"string at the top", `"a"`},
		{"two objects", `{}{}`},
		{"trailing comma", `{"a":1,}`},
		{"trailing comma in array", `{"a":[1,]}`},
		{"missing colon", `{"a" 1}`},
		{"unquoted name", `{a:1}`},
		{"single quotes", `{'a':1}`},
		{"vertical tab", "{\"a\":1\v}"},
		{"NUL after", "{\"a\":1}\x00"},
		{"empty", ``},
		{"only space", ` `},
		{"unterminated", `{"a":1`},
		{"unterminated nested", `{"a":{"b":[1,2}`},
		{"mismatched brackets", `{"a":[1}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) { checkAgrees(t, tc.doc) })
	}
}

// TestObjectAgreesOnMutations runs 10^5 random mutations of JSON objects through both
// readers: the grammar's edges are where a one-pass reader and a validator drift apart.
func TestObjectAgreesOnMutations(t *testing.T) {
	rng := rand.New(rand.NewSource(19))
	n := 100000
	if testing.Short() {
		n = 10000
	}
	for i := 0; i < n; i++ {
		checkAgrees(t, mutate(rng, objectSeeds[rng.Intn(len(objectSeeds))]))
	}
}

var objectSeeds = []string{
	`{"iss":"https://idp.example","sub":"u-1","aud":["api","web"],"exp":1767225600,"scope":"read write"}`,
	`{"a":{"b":[1,2.5e-3,-0,true,false,null,"x\"y\u00e9"]},"c":{}}`,
	`{"alg":"RS256","kid":"k1","typ":"JWT"}`,
	"{\"n\":\"日本\",\"e\":\"\\ud83d\\ude00\"}",
	`{"a":1,"a":2}`,
}

// mutate changes doc in one to four places with bytes JSON's grammar cares about.
func mutate(rng *rand.Rand, doc string) string {
	const alphabet = "{}[]\":,\\ \t\n\r-+.eE0123456789tfnulrsaxu\x00\x01\x7f\xc3\xa9\xed\xa0\xff"
	b := []byte(doc)
	for k := rng.Intn(4); k >= 0; k-- {
		at := rng.Intn(len(b) + 1)
		c := alphabet[rng.Intn(len(alphabet))]
		switch rng.Intn(3) {
		case 0:
			b = append(b[:at], append([]byte{c}, b[at:]...)...)
		case 1:
			if at < len(b) {
				b = append(b[:at], b[at+1:]...)
			}
		default:
			if at < len(b) {
				b[at] = c
			}
		}
	}
	return string(b)
}

func FuzzObject(f *testing.F) {
	for _, s := range objectSeeds {
		f.Add(s)
	}
	f.Add(`{"a":` + strings.Repeat("[", MaxNesting) + strings.Repeat("]", MaxNesting) + `}`)
	f.Fuzz(func(t *testing.T, doc string) { checkAgrees(t, doc) })
}

// BenchmarkTokenPayload compares the one-pass reader with the two steps it replaces on a
// token payload (run it in wasm with -exec, where the difference matters).
func BenchmarkTokenPayload(b *testing.B) {
	doc := []byte(objectSeeds[0][:len(objectSeeds[0])-1] + `,"iat":1767222000,"nbf":1767222000,"jti":"0f6e2c1a-93d4-4b5e-8a7f-1c2d3e4f5a6b","realm_access":{"roles":["admin","user"]}}`)
	var buf [16]Member
	b.Run("Object", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, dup, ok := Object(buf[:0], string(doc)); !ok || dup {
				b.Fatal("refused")
			}
		}
	})
	b.Run("ProblemMembers", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if Problem(doc) != "" {
				b.Fatal("refused")
			}
			if _, _, dup := Members(buf[:0], gjson.ParseBytes(doc)); dup {
				b.Fatal("dup")
			}
		}
	})
}
