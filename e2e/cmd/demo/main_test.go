package main

import (
	"os"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/e2e/demoidp"
)

// TestEveryTokenParamIsDocumented: the demo's printed hints and README's "What `make run`
// shows" name every /token parameter of the demo IdP, and both say where the echo upstream
// shows what it received.
func TestEveryTokenParamIsDocumented(t *testing.T) {
	text := hints("T1", "T2", "T3", "T4", "T5", "T6", "J6")
	if !strings.Contains(text, "revoke?jti=J6") {
		t.Error("the demo's hints do not show revoking the token by its jti")
	}
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "## What `make run` shows"); i >= 0 {
		section = section[i:]
		if j := strings.Index(section[3:], "\n## "); j >= 0 {
			section = section[:j+3]
		}
	} else {
		t.Fatal("README has no \"What `make run` shows\" section")
	}
	for _, tp := range demoidp.TokenParams {
		if !strings.Contains(text, "  "+tp.Name+" ") || !strings.Contains(text, tp.Help) {
			t.Errorf("the demo's hints do not explain /token's %s", tp.Name)
		}
		if !strings.Contains(section, "`"+tp.Name+"`") {
			t.Errorf("README's make run section does not name /token's `%s`", tp.Name)
		}
	}
	for name, doc := range map[string]string{"hints": text, "README": section} {
		if !strings.Contains(doc, "response body") {
			t.Errorf("%s does not say that the echo upstream shows what it received in the response body", name)
		}
	}
	for _, tok := range []string{"T1", "T2", "T3", "T4", "T5"} {
		if !strings.Contains(text, "Bearer "+tok+"'") {
			t.Errorf("hints do not use token %s", tok)
		}
	}
}
