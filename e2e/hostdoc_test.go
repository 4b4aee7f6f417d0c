package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// hostDocLink matches a link into docs/host.md from code comments and other documents: the
// first anchor after "host.md", then any further anchors listed after it ("…#a, #b").
var hostDocLink = regexp.MustCompile(`host\.md(#[\w-]+(?:,\s*(?://\s*)?#[\w-]+)*)`)

// githubSlug is the anchor GitHub gives a Markdown heading: lower case, punctuation other than
// '-' and '_' dropped, spaces turned into '-'.
func githubSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestHostDocLinksResolve: every section of docs/host.md that the code (and the other
// documents) link to exists, so that a reader following a comment lands on the rule it cites.
func TestHostDocLinksResolve(t *testing.T) {
	doc, err := os.ReadFile("../docs/host.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if h := strings.TrimLeft(line, "#"); h != line && strings.HasPrefix(h, " ") {
			anchors[githubSlug(h)] = true
		}
	}
	links := 0
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "build" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".md")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range hostDocLink.FindAllStringSubmatch(string(b), -1) {
			for _, a := range regexp.MustCompile(`#([\w-]+)`).FindAllStringSubmatch(m[1], -1) {
				links++
				if !anchors[a[1]] {
					t.Errorf("%s links to docs/host.md#%s, which is not a section of it", path, a[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if links == 0 {
		t.Fatal("found no links to docs/host.md: the pattern no longer matches how the code cites it")
	}
}
