package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The JSON Schema (for editors) and Parse (what the plugin runs) must agree: every example
// in testdata/valid and in README.md's configuration reference passes both; every document
// in testdata/invalid fails both.

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func schemaValid(t *testing.T, s *jsonschema.Schema, doc []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// readmeExamples returns the ```json blocks of README.md's "Configuration reference".
func readmeExamples(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Configuration reference")
	if start < 0 {
		t.Fatal(`README.md has no "## Configuration reference" section`)
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var out []string
	for {
		i := strings.Index(section, "```json\n")
		if i < 0 {
			break
		}
		section = section[i+len("```json\n"):]
		j := strings.Index(section, "```")
		out = append(out, section[:j])
		section = section[j+3:]
	}
	return out
}

func TestExamplesAgreeWithSchemaAndParse(t *testing.T) {
	s := compileSchema(t)
	valid, _ := filepath.Glob("testdata/valid/*.json")
	docs := map[string]string{}
	for _, f := range valid {
		b, _ := os.ReadFile(f)
		docs[f] = string(b)
	}
	for i, ex := range readmeExamples(t) {
		docs["README example "+string(rune('1'+i))] = ex
	}
	if len(docs) < 3 {
		t.Fatalf("only %d examples found", len(docs))
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			if err := schemaValid(t, s, []byte(doc)); err != nil {
				t.Errorf("schema refuses it: %v", err)
			}
			if _, err := Parse([]byte(doc)); err != nil {
				t.Errorf("Parse refuses it: %v", err)
			}
		})
	}
	invalid, _ := filepath.Glob("testdata/invalid/*.json")
	if len(invalid) == 0 {
		t.Fatal("no invalid examples")
	}
	for _, f := range invalid {
		t.Run(f, func(t *testing.T) {
			doc, _ := os.ReadFile(f)
			if err := schemaValid(t, s, doc); err == nil {
				t.Error("schema accepts it")
			}
			if _, err := Parse(doc); err == nil {
				t.Error("Parse accepts it")
			}
		})
	}
}

// TestSchemaListsEveryField keeps the schema in step with the parser: every field name the
// parser accepts appears in the schema's properties.
func TestSchemaListsEveryField(t *testing.T) {
	b, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"realm", "providers", "rules", "limits", "issuer", "audiences", "remote_jwks",
		"local_jwks", "algorithms", "from_headers", "from_params", "scope_claims", "forward", "claims_to_headers",
		"clock_skew", "require_expiration", "typ", "cluster", "authority", "path", "refresh_interval", "timeout",
		"refetch_min_interval", "match", "require", "prefix", "regex", "methods", "scopes", "any_scopes",
		"max_token_bytes", "max_jwks_bytes", "max_keys", "cache_entries", "max_pending_requests", "pending_timeout",
		"name", "value_prefix", "claim", "header"} {
		if !bytes.Contains(b, []byte(`"`+field+`"`)) {
			t.Errorf("schema.json does not describe %q", field)
		}
	}
}
