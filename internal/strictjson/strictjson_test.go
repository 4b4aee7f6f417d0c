package strictjson

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestTooDeep(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name string
		doc  string
		want bool
	}{
		{"empty", ``, false},
		{"flat object", `{"a":1}`, false},
		{"exactly the bound", nest(MaxNesting), false},
		{"one past the bound", nest(MaxNesting + 1), true},
		{"objects count as arrays do", strings.Repeat(`{"a":`, MaxNesting+1) + "1" + strings.Repeat("}", MaxNesting+1), true},
		{"brackets inside a string do not count", `{"a":"` + strings.Repeat("[", 100) + `"}`, false},
		{"an escaped quote does not end the string", `{"a":"\"` + strings.Repeat("[", 100) + `"}`, false},
		{"an escaped backslash does end the string", `{"a":"\\"}` + nest(MaxNesting+1), true},
		{"unbalanced opening brackets of hostile size", strings.Repeat("[", 4<<20), true},
		{"closing brackets only", strings.Repeat("]", 100), false},
		{"siblings do not add up", strings.Repeat(nest(MaxNesting)+",", 100), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := TooDeep([]byte(tc.doc)); got != tc.want {
				t.Fatalf("TooDeep = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDuplicateMember(t *testing.T) {
	many := make([]string, 40)
	for i := range many {
		many[i] = `"k` + strings.Repeat("x", i) + `":1`
	}
	tests := []struct {
		name, doc, want string
		found           bool
	}{
		{"none", `{"a":1,"b":2}`, "", false},
		{"plain duplicate", `{"exp":1,"exp":2}`, "exp", true},
		{"duplicate after unescaping", `{"exp":1,"\u0065xp":2}`, "exp", true},
		{"many members, none repeated (map path)", "{" + strings.Join(many, ",") + "}", "", false},
		{"many members, last repeats the first (map path)", "{" + strings.Join(many, ",") + `,"k":2}`, "k", true},
		{"one empty name", `{"":1,"a":2}`, "", false},
		{"empty name twice", `{"":1,"":2}`, "", true},
		{"empty name twice (map path)", "{" + strings.Join(many, ",") + `,"":1,"":2}`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, found := DuplicateMember(gjson.Parse(tc.doc)); got != tc.want || found != tc.found {
				t.Fatalf("DuplicateMember = %q, %v; want %q, %v", got, found, tc.want, tc.found)
			}
		})
	}
}

// TestMembersAppendsInDocumentOrder: Members appends after what dst already holds, names
// unescaped, values as gjson reads them, and only compares names among the new members.
func TestMembersAppendsInDocumentOrder(t *testing.T) {
	prior := []Member{{Name: "iss"}}
	got, dup, found := Members(prior, gjson.Parse(`{"iss":"a","\u0073ub":"b","n":[1,2]}`))
	if found {
		t.Fatalf("duplicate %q reported; a name already in dst is not a duplicate", dup)
	}
	want := []struct{ name, raw string }{{"iss", ""}, {"iss", `"a"`}, {"sub", `"b"`}, {"n", `[1,2]`}}
	if len(got) != len(want) {
		t.Fatalf("%d members, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].Value.Raw != w.raw {
			t.Errorf("member %d = %q %q, want %q %q", i, got[i].Name, got[i].Value.Raw, w.name, w.raw)
		}
	}
}

func TestHasControl(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want bool
	}{
		{"empty", "", false},
		{"printable ASCII", "https://idp.example/ a~", false},
		{"UTF-8 above ASCII", "é ü \u2028", false},
		{"NUL", "a\x00b", true},
		{"newline", "a\nb", true},
		{"tab", "\t", true},
		{"unit separator", "\x1f", true},
		{"DEL", "a\x7f", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := HasControl(tc.in); got != tc.want {
				t.Errorf("HasControl(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
