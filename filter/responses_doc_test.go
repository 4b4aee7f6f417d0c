package filter

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// TestDocsListEveryReason: docs/responses.md lists every reason of the catalogue (the
// request-level reasons here and jwtverify's), once, and no reason the code cannot give.
func TestDocsListEveryReason(t *testing.T) {
	doc, err := os.ReadFile("../docs/responses.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := documentedReasons(t, string(doc))
	var code []string
	for _, r := range requestReasons {
		code = append(code, r.name)
	}
	for _, r := range jwtverify.Reasons() {
		code = append(code, r.Name())
	}
	for _, name := range code {
		if !slices.Contains(documented, name) {
			t.Errorf("reason %q is in the catalogue but not in docs/responses.md", name)
		}
	}
	seen := map[string]bool{}
	for _, name := range documented {
		if seen[name] {
			t.Errorf("docs/responses.md lists %q twice", name)
		}
		seen[name] = true
		if !slices.Contains(code, name) {
			t.Errorf("docs/responses.md lists %q, which is not in the catalogue", name)
		}
	}
}

var reasonRow = regexp.MustCompile("^\\| `([a-z0-9_]+)` \\|")

// documentedReasons reads the first column of the table after <!-- reasons -->.
func documentedReasons(t *testing.T, doc string) []string {
	t.Helper()
	i := strings.Index(doc, "<!-- reasons -->")
	if i < 0 {
		t.Fatal("docs/responses.md has no <!-- reasons --> table")
	}
	var names []string
	for _, line := range strings.Split(doc[i:], "\n")[1:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if m := reasonRow.FindStringSubmatch(line); m != nil {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		t.Fatal("the <!-- reasons --> table of docs/responses.md has no rows")
	}
	return names
}
