package filter

import (
	"bufio"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// fieldCase shows one field documented in config/REFERENCE.md doing what the reference says:
// run sets the field away from its default and asserts the behaviour that follows (under
// proxytest). A field that is parsed and documented but changes nothing cannot have one.
type fieldCase struct {
	field string // the path REFERENCE.md gives it, e.g. "providers.<name>.remote_jwks.timeout"
	run   func(t *testing.T)
}

// fieldCases is filled by the init functions of the test files that own each feature, so a
// feature's rows live next to its tests.
var fieldCases []fieldCase

// referenceMarker introduces a field table in REFERENCE.md: `<!-- fields: PREFIX -->`; every
// row of the next table names the field PREFIX.NAME (NAME from its first, backquoted cell).
var referenceMarker = regexp.MustCompile(`^<!-- fields: (\S*) -->$`)

var firstCell = regexp.MustCompile("^\\| `([^`]+)` \\|")

// documentedFields reads the field paths REFERENCE.md documents.
func documentedFields(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../config/REFERENCE.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	prefix, inTable := "", false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := referenceMarker.FindStringSubmatch(line); m != nil {
			prefix, inTable = m[1], true
			continue
		}
		if !inTable {
			continue
		}
		if line != "" && !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		if m := firstCell.FindStringSubmatch(line); m != nil {
			name := m[1]
			if prefix != "" {
				name = prefix + "." + name
			}
			out = append(out, name)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryDocumentedFieldChangesBehaviour: one row per field of config/REFERENCE.md; a field
// documented without a row, or a row for a field the reference does not document, fails.
func TestEveryDocumentedFieldChangesBehaviour(t *testing.T) {
	documented := documentedFields(t)
	if len(documented) == 0 {
		t.Fatal("config/REFERENCE.md has no field table marked <!-- fields: PREFIX -->")
	}
	rows := map[string]fieldCase{}
	for _, c := range fieldCases {
		if _, dup := rows[c.field]; dup {
			t.Errorf("two rows for %s", c.field)
		}
		rows[c.field] = c
	}
	sort.Strings(documented)
	seen := map[string]bool{}
	for _, f := range documented {
		seen[f] = true
		c, ok := rows[f]
		if !ok {
			t.Errorf("%s is documented in config/REFERENCE.md but no fieldCase shows what it does", f)
			continue
		}
		t.Run(f, c.run)
	}
	for f := range rows {
		if !seen[f] {
			t.Errorf("a fieldCase names %s, which config/REFERENCE.md does not document", f)
		}
	}
}
