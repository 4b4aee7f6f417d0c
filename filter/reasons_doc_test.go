package filter

import (
	"os"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// TestEveryReasonIsDocumented: README's Responses section names every reason of the closed
// catalogue (the request-level ones here and jwtverify's), so an operator reading a `reason`
// in a reply or a counter finds it.
func TestEveryReasonIsDocumented(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	names := []string{}
	for _, r := range requestReasons {
		names = append(names, r.name)
	}
	for _, r := range jwtverify.Reasons() {
		names = append(names, r.Name())
	}
	for _, n := range names {
		if !strings.Contains(doc, "`"+n+"`") {
			t.Errorf("README.md does not name the reason `%s`", n)
		}
	}
}
