package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// The JSON Schema (for editors) and Parse (what the plugin runs) must agree: every example
// passes both; every bad document the schema can describe fails both; the schema lists
// exactly the fields the parser reads, with the same defaults.

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
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func schemaValidate(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// jsonBlocks returns the ```json blocks of the markdown section that starts with heading
// (to the next heading of the same level), or of the whole text if heading is "". Every
// ```json block there is a complete configuration; fragments are written as ```text.
func jsonBlocks(text, heading string) []string {
	if heading != "" {
		start := strings.Index(text, "\n"+heading+"\n")
		if start < 0 {
			return nil
		}
		text = text[start+1+len(heading):]
		level := heading[:strings.IndexByte(heading, ' ')+1] // "## "
		if end := strings.Index(text, "\n"+level); end >= 0 {
			text = text[:end]
		}
	}
	var out []string
	for {
		i := strings.Index(text, "```json\n")
		if i < 0 {
			return out
		}
		text = text[i+len("```json\n"):]
		j := strings.Index(text, "```")
		if j < 0 {
			return out
		}
		out = append(out, text[:j])
		text = text[j+3:]
	}
}

// examples are the documents users copy: testdata/valid, every ```json block of
// REFERENCE.md, and those of README.md's "Configuration reference" section if it has one.
func examples(t *testing.T) map[string]string {
	t.Helper()
	docs := map[string]string{}
	files, _ := filepath.Glob("testdata/valid/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = string(b)
	}
	ref, err := os.ReadFile("REFERENCE.md")
	if err != nil {
		t.Fatal(err)
	}
	refBlocks := jsonBlocks(string(ref), "")
	if len(refBlocks) < 3 {
		t.Fatalf("REFERENCE.md has %d json examples, want at least 3", len(refBlocks))
	}
	for i, b := range refBlocks {
		docs["REFERENCE.md example "+strconv.Itoa(i+1)] = b
	}
	if readme, err := os.ReadFile(filepath.Join("..", "README.md")); err == nil {
		for i, b := range jsonBlocks(string(readme), "## Configuration reference") {
			docs["README.md example "+strconv.Itoa(i+1)] = b
		}
	}
	if len(files) < 2 {
		t.Fatalf("only %d files in testdata/valid", len(files))
	}
	return docs
}

func TestExamplesPassSchemaAndParse(t *testing.T) {
	s := compileSchema(t)
	for name, doc := range examples(t) {
		t.Run(name, func(t *testing.T) {
			if err := schemaValidate(s, []byte(doc)); err != nil {
				t.Errorf("schema refuses it: %v", err)
			}
			if _, err := Parse([]byte(doc)); err != nil {
				t.Errorf("Parse refuses it: %v", err)
			}
		})
	}
}

func TestAcceptedDocumentsPassSchema(t *testing.T) {
	s := compileSchema(t)
	for _, tc := range acceptedCases() {
		t.Run(tc.name, func(t *testing.T) {
			if err := schemaValidate(s, []byte(tc.doc)); err != nil {
				t.Errorf("schema refuses what Parse accepts: %v", err)
			}
		})
	}
}

// TestBadDocumentsFailSchemaAndParse: testdata/invalid fails both; each refused document of
// the table fails the schema too unless the table says only Parse can tell, and then the
// schema accepts it (so the list of what the schema cannot state stays true).
func TestBadDocumentsFailSchemaAndParse(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) < 5 {
		t.Fatalf("only %d files in testdata/invalid", len(files))
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			doc, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemaValidate(s, doc); err == nil {
				t.Error("schema accepts it")
			}
			if _, err := Parse(doc); err == nil {
				t.Error("Parse accepts it")
			}
		})
	}
	for _, tc := range rejectedCases() {
		if tc.schema == notJSON {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			err := schemaValidate(s, []byte(tc.doc))
			switch {
			case tc.schema == schemaRejects && err == nil:
				t.Error("schema accepts it")
			case tc.schema == parseOnly && err != nil:
				t.Errorf("schema refuses it (mark the case schemaRejects): %v", err)
			}
		})
	}
}

// schemaDefs maps each object of the configuration to its $defs entry in schema.json.
var schemaDefs = map[string][]string{
	"top": fieldsTop, "provider": fieldsProvider, "remoteJwks": fieldsRemote, "headerSource": fieldsHeaderSrc,
	"claimHeader": fieldsClaimHeader, "rule": fieldsRule, "match": fieldsMatch, "require": fieldsRequire, "limits": fieldsLimits,
	"condition": fieldsCondition, "headerMatch": fieldsHeaderMatch, "subject": fieldsSubject,
}

type schemaDoc struct {
	Defs map[string]struct {
		AdditionalProperties *bool                      `json:"additionalProperties"`
		Properties           map[string]json.RawMessage `json:"properties"`
	} `json:"$defs"`
}

func readSchema(t *testing.T) schemaDoc {
	t.Helper()
	b, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s schemaDoc
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchemaListsExactlyTheParsersFields: each object's properties in the schema are the
// fields the parser accepts, and the schema, like the parser, refuses any other.
func TestSchemaListsExactlyTheParsersFields(t *testing.T) {
	s := readSchema(t)
	for def, fields := range schemaDefs {
		d, ok := s.Defs[def]
		if !ok {
			t.Errorf("schema.json has no $defs.%s", def)
			continue
		}
		if d.AdditionalProperties == nil || *d.AdditionalProperties {
			t.Errorf("$defs.%s allows unknown fields", def)
		}
		var got []string
		for k := range d.Properties {
			got = append(got, k)
		}
		want := append([]string{}, fields...)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("$defs.%s properties %v, parser reads %v", def, got, want)
		}
	}
}

// TestSchemaDefaults: the defaults the schema shows editors are the parser's.
func TestSchemaDefaults(t *testing.T) {
	s := readSchema(t)
	def := func(object, field string) string {
		var p struct {
			Default json.RawMessage `json:"default"`
		}
		if err := json.Unmarshal(s.Defs[object].Properties[field], &p); err != nil {
			t.Fatalf("%s.%s: %v", object, field, err)
		}
		return string(p.Default)
	}
	durations := map[[2]string]time.Duration{
		{"remoteJwks", "refresh_interval"}: DefaultRefreshInterval, {"remoteJwks", "timeout"}: DefaultTimeout,
		{"remoteJwks", "refetch_min_interval"}: DefaultRefetchMinInterval, {"remoteJwks", "backoff_base_interval"}: DefaultBackoffBaseInterval,
		{"remoteJwks", "backoff_max_interval"}: DefaultBackoffMaxInterval, {"provider", "clock_skew"}: DefaultClockSkew,
		{"limits", "pending_timeout"}: DefaultPendingTimeout,
	}
	for k, want := range durations {
		var str string
		if err := json.Unmarshal([]byte(def(k[0], k[1])), &str); err != nil {
			t.Errorf("%s.%s: default %s is not a string", k[0], k[1], def(k[0], k[1]))
			continue
		}
		if d, err := time.ParseDuration(str); err != nil || d != want {
			t.Errorf("%s.%s: schema default %q, parser default %v", k[0], k[1], str, want)
		}
	}
	ints := map[string]intRange{
		"max_token_bytes": rangeMaxTokenBytes, "max_jwks_bytes": rangeMaxJWKSBytes, "max_keys": rangeMaxKeys,
		"cache_entries": rangeCacheEntries, "max_pending_requests": rangeMaxPending,
	}
	for field, rng := range ints {
		var p struct{ Default, Minimum, Maximum int }
		if err := json.Unmarshal(s.Defs["limits"].Properties[field], &p); err != nil {
			t.Fatal(err)
		}
		if p.Default != rng.def || p.Minimum != rng.min || p.Maximum != rng.max {
			t.Errorf("limits.%s: schema %d [%d, %d], parser %d [%d, %d]", field, p.Default, p.Minimum, p.Maximum, rng.def, rng.min, rng.max)
		}
	}
	// The other defaults, as the parser applies them to a minimal provider.
	c, err := Parse([]byte(withProvider(``)))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Providers[0]
	var algs []string
	for _, a := range jwtverify.Algorithms() {
		if p.Algorithms.Has(a) {
			algs = append(algs, a.String())
		}
	}
	others := map[[2]string]any{
		{"provider", "algorithms"}:         algs,
		{"provider", "from_headers"}:       []map[string]string{{"name": p.FromHeaders[0].Name, "value_prefix": p.FromHeaders[0].ValuePrefix}},
		{"provider", "scope_claims"}:       pathStrings(p.ScopeClaims),
		{"provider", "forward"}:            p.Forward,
		{"provider", "require_expiration"}: p.RequireExpiration,
		{"top", "realm"}:                   c.Realm,
	}
	for k, want := range others {
		w, _ := json.Marshal(want)
		var got any
		_ = json.Unmarshal([]byte(def(k[0], k[1])), &got)
		g, _ := json.Marshal(got)
		if string(g) != string(w) {
			t.Errorf("%s.%s: schema default %s, parser default %s", k[0], k[1], g, w)
		}
	}
}

// TestReferenceNamesEveryField: REFERENCE.md documents each field the parser reads.
func TestReferenceNamesEveryField(t *testing.T) {
	b, err := os.ReadFile("REFERENCE.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, fields := range schemaDefs {
		for _, f := range fields {
			if !bytes.Contains(b, []byte("`"+f+"`")) && !bytes.Contains(b, []byte("."+f+"`")) {
				t.Errorf("REFERENCE.md does not document `%s`", f)
			}
		}
	}
}
