package pretty

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestPretty(t *testing.T) {
	tests := []struct {
		name, in string
		opts     *Options
		want     string
	}{
		{"object", `{"b":1, "a":{"c":[1,2,3]}}`, nil, "{\n  \"b\": 1,\n  \"a\": {\n    \"c\": [1, 2, 3]\n  }\n}\n"},
		{"sorted keys", `{"b":1,"a":2}`, &Options{Width: 80, Indent: "  ", SortKeys: true}, "{\n  \"a\": 2,\n  \"b\": 1\n}\n"},
		{"array of objects", `[{"a":1},{}]`, nil, "[\n  {\n    \"a\": 1\n  },\n  {}\n]\n"},
		{"narrow width breaks scalar arrays", `[1,2]`, &Options{Width: 3, Indent: "\t"}, "[\n\t1,\n\t2\n]\n"},
		{"prefix", `{"a":[]}`, &Options{Width: 80, Prefix: "> ", Indent: " "}, "> {\n>  \"a\": []\n> }\n"},
		{"strings keep their spaces and escapes", `{"a b":"c \" d"}`, nil, "{\n  \"a b\": \"c \\\" d\"\n}\n"},
		{"scalar", ` 42 `, nil, "42\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(PrettyOptions([]byte(tc.in), tc.opts))
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if (tc.opts == nil || tc.opts.Prefix == "") && !json.Valid([]byte(got)) {
				t.Fatalf("output is not JSON: %q", got)
			}
		})
	}
}

func TestUgly(t *testing.T) {
	in := "{ \"a b\" :\t[ 1 ,\r\n 2 ] , \"c\\\" \" : \" x \" }"
	if got, want := string(Ugly([]byte(in))), `{"a b":[1,2],"c\" ":" x "}`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// FuzzPretty: any input is formatted without a panic, and valid JSON stays valid JSON with
// the same meaning (compared after Ugly, which only drops whitespace outside strings).
func FuzzPretty(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":null}],"c":"d"}`))
	f.Add([]byte(`[[],{},"\"",-1e3]`))
	f.Add([]byte(`{"a":`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out := Pretty(in)
		_ = PrettyOptions(in, &Options{Width: 1, Prefix: "#", Indent: "", SortKeys: true})
		if !json.Valid(in) {
			return
		}
		var a, b bytes.Buffer
		if json.Compact(&a, in) != nil || json.Compact(&b, out) != nil {
			t.Fatalf("pretty output of valid JSON is not JSON: %q → %q", in, out)
		}
		if a.String() != b.String() {
			t.Fatalf("meaning changed: %q → %q", a.String(), b.String())
		}
	})
}
