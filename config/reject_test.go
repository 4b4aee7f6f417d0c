package config

import (
	"errors"
	"strings"
	"testing"
)

// schemaVerdict says whether schema.json, too, refuses a bad document.
type schemaVerdict uint8

const (
	schemaRejects schemaVerdict = iota // the schema states the rule as well
	parseOnly                          // only Parse can tell: cross-field rules, RE2, duration ranges, case-insensitive names
	notJSON                            // not a JSON document: the schema has no say
)

// rejectedCase is a document Parse must refuse. want lists the problems: each entry must
// be a substring of a distinct problem, and there must be no other problem.
type rejectedCase struct {
	name   string
	doc    string
	want   []string
	schema schemaVerdict
}

func rejectedCases() []rejectedCase {
	const keys = `"local_jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`
	two := func(a, b string) string {
		return `{"providers":{"a":{"issuer":"https://a/",` + keys + a + `},"b":{"issuer":"https://b/",` + keys + b + `}},"rules":[{"match":{"prefix":"/"}}]}`
	}
	return append(policyRejected(), []rejectedCase{
		// The document as a whole.
		{"empty document", ` `, []string{"the configuration is empty"}, notJSON},
		{"not JSON", `{"providers":`, []string{"the configuration is not valid JSON"}, notJSON},
		{"not UTF-8", "{\"realm\":\"\xff\"}", []string{"the configuration is not valid UTF-8"}, notJSON},
		{"nesting too deep", withTop(`,"realm":` + strings.Repeat("[", 40) + strings.Repeat("]", 40)), []string{"nests arrays and objects more than 32 deep"}, schemaRejects},
		{"nesting of a hostile size", strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20), []string{"nests arrays and objects more than 32 deep"}, notJSON},
		{"not an object", `[]`, []string{"the configuration must be a JSON object, got an array"}, schemaRejects},
		{"unknown top-level field, with a suggestion", withTop(`,"rulez":[]`), []string{`rulez: unknown field; did you mean "rules"?`}, schemaRejects},
		{"providers and rules missing", `{}`, []string{"providers: is required", "rules: is required"}, schemaRejects},
		{"providers not an object", `{"providers":[],"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers: must be an object, got an array"}, schemaRejects},
		{"no provider", `{"providers":{},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers: must name at least one provider"}, schemaRejects},
		{"realm with a quote", withTop(`,"realm":"a\"b"`), []string{"realm: must not contain quotes"}, schemaRejects},
		{"realm empty", withTop(`,"realm":""`), []string{"realm: must not be empty"}, schemaRejects},
		{"duplicate top-level member", withTop(`,"realm":"a","realm":"b"`), []string{"realm: appears more than once"}, parseOnly},

		// Providers.
		{"provider name with a space", `{"providers":{"my corp":{"issuer":"i",` + keys + `}},"rules":[{"match":{"prefix":"/"}}]}`,
			[]string{`providers.my corp: a provider name must be 1 to 64 letters`}, schemaRejects},
		{"provider not an object", `{"providers":{"corp":"https://idp/"},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp: must be an object, got a string"}, schemaRejects},
		{"issuer missing", `{"providers":{"corp":{` + keys + `}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.issuer: is required"}, schemaRejects},
		{"issuer empty", `{"providers":{"corp":{"issuer":"",` + keys + `}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.issuer: must not be empty"}, schemaRejects},
		{"issuer a number", `{"providers":{"corp":{"issuer":7,` + keys + `}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.issuer: must be a string, got a number"}, schemaRejects},
		{"issuer with a control character", `{"providers":{"corp":{"issuer":"a\nb",` + keys + `}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.issuer: must not contain control characters"}, schemaRejects},
		{"duplicate issuers", `{"providers":{"a":{"issuer":"i",` + keys + `},"b":{"issuer":"i",` + keys + `}},"rules":[{"match":{"prefix":"/"}}]}`,
			[]string{`providers.b.issuer: is also the issuer of provider "a"`}, parseOnly},
		{"provider without keys", `{"providers":{"corp":{"issuer":"i"}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp: needs remote_jwks or local_jwks"}, schemaRejects},
		{"misspelt field, with a suggestion", withProvider(`,"audience":["a"]`), []string{`providers.corp.audience: unknown field; did you mean "audiences"?`}, schemaRejects},
		{"duplicate provider member", withProvider(`,"forward":true,"forward":false`), []string{"providers.corp.forward: appears more than once"}, parseOnly},
		{"duplicate provider", `{"providers":{"corp":{"issuer":"i",` + keys + `},"corp":{"issuer":"j",` + keys + `}},"rules":[{"match":{"prefix":"/"}}]}`,
			[]string{"providers.corp: appears more than once"}, parseOnly},
		{"audiences empty", withProvider(`,"audiences":[]`), []string{"providers.corp.audiences: must not be empty (leave it out to skip the audience check)"}, schemaRejects},
		{"audiences a string", withProvider(`,"audiences":"api"`), []string{"providers.corp.audiences: must be an array of strings, got a string"}, schemaRejects},
		{"audience empty string", withProvider(`,"audiences":["api",""]`), []string{"providers.corp.audiences[1]: must be a non-empty string, got an empty string"}, schemaRejects},
		{"unknown algorithm", withProvider(`,"algorithms":["RS256","HS256","none"]`),
			[]string{`providers.corp.algorithms[1]: must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA, got "HS256"`, `providers.corp.algorithms[2]: must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA, got "none"`}, schemaRejects},
		{"algorithms empty", withProvider(`,"algorithms":[]`), []string{"providers.corp.algorithms: must not be empty"}, schemaRejects},
		{"algorithm in lower case", withProvider(`,"algorithms":["rs256"]`), []string{`providers.corp.algorithms[0]: must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA, got "rs256"`}, schemaRejects},
		{"forward as a string", withProvider(`,"forward":"false"`), []string{"providers.corp.forward: must be a boolean, got a string"}, schemaRejects},
		{"require_expiration as a number", withProvider(`,"require_expiration":1`), []string{"providers.corp.require_expiration: must be a boolean, got a number"}, schemaRejects},
		{"typ empty", withProvider(`,"typ":""`), []string{"providers.corp.typ: must not be empty"}, schemaRejects},
		{"scope_claims empty", withProvider(`,"scope_claims":[]`), []string{"providers.corp.scope_claims: must not be empty"}, schemaRejects},

		// Token sources.
		{"from_headers empty", withProvider(`,"from_headers":[]`), []string{"providers.corp.from_headers: must not be empty"}, schemaRejects},
		{"from_headers an object", withProvider(`,"from_headers":{"name":"authorization"}`), []string{"providers.corp.from_headers: must be an array, got an object"}, schemaRejects},
		{"header name with a space", withProvider(`,"from_headers":[{"name":"x bad"}]`), []string{`providers.corp.from_headers[0].name: is not a valid header name: "x bad"`}, schemaRejects},
		{"header name missing", withProvider(`,"from_headers":[{"value_prefix":"Bearer "}]`), []string{"providers.corp.from_headers[0].name: is required"}, schemaRejects},
		{"pseudo-header as token source", withProvider(`,"from_headers":[{"name":":path"}]`), []string{"providers.corp.from_headers[0].name: must not be a pseudo-header"}, schemaRejects},
		{"duplicate token header, any case", withProvider(`,"from_headers":[{"name":"X-Token"},{"name":"x-token","value_prefix":"Bearer "}]`),
			[]string{`providers.corp.from_headers[1].name: duplicate header "x-token"`}, parseOnly},
		{"value_prefix a number", withProvider(`,"from_headers":[{"name":"a","value_prefix":1}]`), []string{"providers.corp.from_headers[0].value_prefix: must be a string, got a number"}, schemaRejects},
		{"unknown member of a token source", withProvider(`,"from_headers":[{"name":"a","prefix":"Bearer "}]`), []string{`providers.corp.from_headers[0].prefix: unknown field`}, schemaRejects},
		{"from_params empty", withProvider(`,"from_params":[]`), []string{"providers.corp.from_params: must not be empty"}, schemaRejects},
		{"query parameter with '='", withProvider(`,"from_params":["a=b"]`), []string{`providers.corp.from_params[0]: must be a plain query parameter name, got "a=b"`}, schemaRejects},
		{"duplicate query parameter", withProvider(`,"from_params":["t","t"]`), []string{`providers.corp.from_params[1]: duplicate parameter "t"`}, schemaRejects},

		// Claim headers.
		{"duplicate claim headers, any case", withProvider(`,"claims_to_headers":[{"claim":"sub","header":"x-a"},{"claim":"email","header":"X-A"}]`),
			[]string{`providers.corp.claims_to_headers[1].header: duplicate header "x-a"`}, parseOnly},
		{"claim header a pseudo-header", withProvider(`,"claims_to_headers":[{"claim":"sub","header":":authority"}]`),
			[]string{"providers.corp.claims_to_headers[0].header: must not be a pseudo-header"}, schemaRejects},
		{"claim header reserved", withProvider(`,"claims_to_headers":[{"claim":"sub","header":"Host"},{"claim":"n","header":"content-length"}]`),
			[]string{`providers.corp.claims_to_headers[0].header: must not be "host"`, `providers.corp.claims_to_headers[1].header: must not be "content-length"`}, parseOnly},
		{"claim header of Envoy's", withProvider(`,"claims_to_headers":[{"claim":"sub","header":"x-envoy-original-path"}]`),
			[]string{"providers.corp.claims_to_headers[0].header: must not start with x-envoy-"}, parseOnly},
		{"claim header is a token header", two(`,"from_headers":[{"name":"x-token"}]`, `,"claims_to_headers":[{"claim":"sub","header":"X-Token"}]`),
			[]string{`providers.b.claims_to_headers[0].header: is where provider "a" reads tokens`}, parseOnly},
		{"claim missing", withProvider(`,"claims_to_headers":[{"header":"x-sub"}]`), []string{"providers.corp.claims_to_headers[0].claim: is required"}, schemaRejects},
		{"claims_to_headers empty", withProvider(`,"claims_to_headers":[]`), []string{"providers.corp.claims_to_headers: must not be empty"}, schemaRejects},

		// Durations.
		{"duration without a unit", withProvider(`,"clock_skew":"60"`), []string{`providers.corp.clock_skew: must be a duration such as "30s", "5m" or "1.5s", got "60"`}, schemaRejects},
		{"duration in words", withProvider(`,"clock_skew":"a minute"`), []string{`providers.corp.clock_skew: must be a duration such as`}, schemaRejects},
		{"duration as a number", withProvider(`,"clock_skew":60`), []string{`providers.corp.clock_skew: must be a duration string such as "30s" or "5m", got a number`}, schemaRejects},
		{"negative duration", withProvider(`,"clock_skew":"-1s"`), []string{`providers.corp.clock_skew: must be a duration such as`}, schemaRejects},
		{"duration with a sign", withRemote(`,"timeout":"+5s"`), []string{`providers.corp.remote_jwks.timeout: must be a duration such as`}, schemaRejects},
		{"duration that overflows", withRemote(`,"timeout":"9999999999999999h"`), []string{`providers.corp.remote_jwks.timeout: must be a duration such as`}, parseOnly},
		{"clock skew too large", withProvider(`,"clock_skew":"11m"`), []string{`providers.corp.clock_skew: must be at most 10m0s, got "11m"`}, parseOnly},
		{"zero timeout", withRemote(`,"timeout":"0s"`), []string{`providers.corp.remote_jwks.timeout: must be a positive duration, got "0s"`}, parseOnly},
		{"zero refresh", withRemote(`,"refresh_interval":"0.0s"`), []string{`providers.corp.remote_jwks.refresh_interval: must be a positive duration, got "0.0s"`}, parseOnly},
		{"refresh too short", withRemote(`,"refresh_interval":"500ms","timeout":"100ms"`), []string{`providers.corp.remote_jwks.refresh_interval: must be at least 1s, got "500ms"`}, parseOnly},
		{"timeout not shorter than refresh", withRemote(`,"refresh_interval":"10s","timeout":"10s"`), []string{"providers.corp.remote_jwks.timeout: must be shorter than refresh_interval (10s)"}, parseOnly},
		{"backoff bounds reversed", withRemote(`,"backoff_base_interval":"10m","backoff_max_interval":"1m"`), []string{"providers.corp.remote_jwks.backoff_base_interval: must not exceed backoff_max_interval (1m0s)"}, parseOnly},

		// Keys.
		{"remote_jwks incomplete", withProvider(`,"remote_jwks":{"authority":"a b","path":"jwks"}`),
			[]string{"providers.corp.remote_jwks.cluster: is required", "providers.corp.remote_jwks.authority: must not contain spaces", `providers.corp.remote_jwks.path: must start with "/"`}, schemaRejects},
		{"remote_jwks misspelt field", withRemote(`,"refresh":"60s"`), []string{`providers.corp.remote_jwks.refresh: unknown field; did you mean "refresh_interval"?`}, schemaRejects},
		{"remote_jwks a string", `{"providers":{"corp":{"issuer":"i","remote_jwks":"https://idp/jwks"}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.remote_jwks: must be an object, got a string"}, schemaRejects},
		{"local_jwks without usable keys", `{"providers":{"corp":{"issuer":"i","local_jwks":{"keys":[]}}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.local_jwks: "}, parseOnly},
		{"local_jwks a number", `{"providers":{"corp":{"issuer":"i","local_jwks":1}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.local_jwks: must be a JWKS object or a string holding one, got a number"}, schemaRejects},
		{"local_jwks string not JSON", `{"providers":{"corp":{"issuer":"i","local_jwks":"{keys"}},"rules":[{"match":{"prefix":"/"}}]}`, []string{"providers.corp.local_jwks: "}, parseOnly},
		{"local_jwks string nested too deep", `{"providers":{"corp":{"issuer":"i","local_jwks":"` + strings.Repeat("[", 100000) + `"}},"rules":[{"match":{"prefix":"/"}}]}`,
			[]string{"providers.corp.local_jwks: the key set is not a JSON Web Key Set: nests arrays and objects more than 32 deep"}, parseOnly},
		{"more local keys than max_keys", `{"providers":{"corp":{"issuer":"i","local_jwks":` + twoKeyJWKS + `}},"rules":[{"match":{"prefix":"/"}}],"limits":{"max_keys":1}}`,
			[]string{"providers.corp.local_jwks: has 2 usable keys, more than limits.max_keys (1)"}, parseOnly},

		// Rules.
		{"rules missing", `{"providers":{"corp":{"issuer":"i",` + keys + `}}}`, []string{"rules: is required"}, schemaRejects},
		{"no rules", withRules(``), []string{"rules: must list at least one rule"}, schemaRejects},
		{"rules an object", `{"providers":{"corp":{"issuer":"i",` + keys + `}},"rules":{"match":{"prefix":"/"}}}`, []string{"rules: must be an array, got an object"}, schemaRejects},
		{"rule not an object", withRules(`"/admin"`), []string{"rules[0]: must be an object, got a string"}, schemaRejects},
		{"match missing", withRules(`{"require":{}}`), []string{"rules[0].match: is required"}, schemaRejects},
		{"two match kinds", withRules(`{"match":{"prefix":"/","path":"/a"}}`), []string{"rules[0].match: needs exactly one of prefix, path or regex, got prefix and path"}, schemaRejects},
		{"no match kind", withRules(`{"match":{"methods":["GET"]}}`), []string{"rules[0].match: needs exactly one of prefix, path or regex, got none"}, schemaRejects},
		{"prefix without a slash", withRules(`{"match":{"prefix":"api"}}`), []string{`rules[0].match.prefix: must start with "/", got "api"`}, schemaRejects},
		{"path with a query", withRules(`{"match":{"path":"/a?b=1"}}`), []string{"rules[0].match.path: must not contain '?' or '#'"}, schemaRejects},
		{"path empty", withRules(`{"match":{"path":""}}`), []string{"rules[0].match.path: must not be empty"}, schemaRejects},
		{"regex does not compile", withRules(`{"match":{"regex":"(a"}}`), []string{"rules[0].match.regex: does not compile as RE2"}, parseOnly},
		{"backreference is not RE2", withRules(`{"match":{"regex":"(a)\\1"}}`), []string{"rules[0].match.regex: does not compile as RE2"}, parseOnly},
		{"regex escaping its anchors", withRules(`{"match":{"regex":"/x)|(.*"}}`), []string{"rules[0].match.regex: does not compile as RE2"}, parseOnly},
		{"regex too long", withRules(`{"match":{"regex":"` + strings.Repeat("a", 1025) + `"}}`), []string{"rules[0].match.regex: is longer than 1024 bytes"}, schemaRejects},
		{"methods empty", withRules(`{"match":{"prefix":"/","methods":[]}}`), []string{"rules[0].match.methods: must not be empty"}, schemaRejects},
		{"method not a token", withRules(`{"match":{"prefix":"/","methods":["GE T"]}}`), []string{`rules[0].match.methods[0]: is not an HTTP method name: "GE T"`}, schemaRejects},
		{"misspelt require", withRules(`{"match":{"prefix":"/"},"requires":{}}`), []string{`rules[0].requires: unknown field; did you mean "require"?`}, schemaRejects},
		{"require not an object", withRules(`{"match":{"prefix":"/"},"require":true}`), []string{"rules[0].require: must be an object, got a boolean"}, schemaRejects},
		{"undefined provider in a rule", withRules(`{"match":{"prefix":"/"},"require":{"providers":["corp","crop"]}}`), []string{`rules[0].require.providers[1]: names no provider: "crop"`}, parseOnly},
		{"scopes empty", withRules(`{"match":{"prefix":"/"},"require":{"scopes":[]}}`), []string{"rules[0].require.scopes: must not be empty"}, schemaRejects},
		{"scope with a space", withRules(`{"match":{"prefix":"/"},"require":{"any_scopes":["read","read write"]}}`), []string{`rules[0].require.any_scopes[1]: is not a scope token`}, schemaRejects},
		{"scope with a quote", withRules(`{"match":{"prefix":"/"},"require":{"scopes":["a\"b"]}}`), []string{`rules[0].require.scopes[0]: is not a scope token`}, schemaRejects},
		{"scope not a string", withRules(`{"match":{"prefix":"/"},"require":{"scopes":[1]}}`), []string{`rules[0].require.scopes[0]: must be a non-empty string, got a number`}, schemaRejects},
		{"rule shadowed by an open catch-all", withRules(`{"match":{"prefix":"/"}},{"match":{"prefix":"/admin"},"require":{"scopes":["admin"]}}`),
			[]string{"rules[1].match: is never reached: rules[0] comes first"}, parseOnly},
		{"exact path listed twice", withRules(`{"match":{"path":"/a"},"require":{}},{"match":{"path":"/a","methods":["GET"]}}`),
			[]string{"rules[1].match: is never reached: rules[0] comes first"}, parseOnly},
		{"rule shadowed for its methods", withRules(`{"match":{"prefix":"/a","methods":["GET","POST"]}},{"match":{"path":"/a/b","methods":["post"]},"require":{}}`),
			[]string{"rules[1].match: is never reached: rules[0] comes first"}, parseOnly},

		// Limits.
		{"limits out of range", withTop(`,"limits":{"max_token_bytes":10,"max_jwks_bytes":1e30,"max_keys":1001,"cache_entries":-1,"max_pending_requests":100001}`),
			[]string{"limits.max_token_bytes: must be between 512 and 65536, got 10", "limits.max_jwks_bytes: must be a whole number, got 1e30",
				"limits.max_keys: must be between 1 and 1000, got 1001", "limits.cache_entries: must be between 0 and 1000000, got -1",
				"limits.max_pending_requests: must be between 0 and 100000, got 100001"}, schemaRejects},
		{"limit with a fraction", withTop(`,"limits":{"cache_entries":1.5}`), []string{"limits.cache_entries: must be a whole number, got 1.5"}, schemaRejects},
		{"limit as a string", withTop(`,"limits":{"cache_entries":"100"}`), []string{"limits.cache_entries: must be a whole number, got a string"}, schemaRejects},
		{"limit beyond int64", withTop(`,"limits":{"cache_entries":99999999999999999999}`), []string{"limits.cache_entries: must be between 0 and 1000000, got 99999999999999999999"}, schemaRejects},
		{"pending timeout too long", withTop(`,"limits":{"pending_timeout":"1h"}`), []string{`limits.pending_timeout: must be at most 5m0s, got "1h"`}, parseOnly},
		{"unknown limit", withTop(`,"limits":{"max_tokens":1}`), []string{"limits.max_tokens: unknown field"}, schemaRejects},

		// Every problem of a document, in one error.
		{"every problem is reported", `{"providers":{"corp":{"issuer":"","clock_skew":"x","remote_jwks":{"cluster":"c","authority":"a","path":"/j","timeout":"0s"}},
			"other":{"issuer":"https://o/","forwrd":true,` + keys + `}},
			"rules":[{"match":{"regex":"("}},{"match":{"prefix":"/"},"require":{"providers":["crop"],"scopes":[]}}],"limits":{"cache_entries":-5}}`,
			[]string{"providers.corp.issuer: must not be empty", "providers.corp.clock_skew: must be a duration", "providers.corp.remote_jwks.timeout: must be a positive duration, got \"0s\"",
				`providers.other.forwrd: unknown field; did you mean "forward"?`, "rules[0].match.regex: does not compile as RE2",
				`rules[1].require.scopes: must not be empty`, `rules[1].require.providers[0]: names no provider: "crop"`,
				"limits.cache_entries: must be between 0 and 1000000, got -5"}, schemaRejects},
	}...)
}

func TestParseRejected(t *testing.T) {
	for _, tc := range rejectedCases() {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error is %T, want *config.Error", err)
			}
			if c != nil {
				t.Error("a refused configuration came with a *Config")
			}
			used := make([]bool, len(cerr.Problems))
			for _, w := range tc.want {
				found := false
				for i, p := range cerr.Problems {
					if !used[i] && strings.Contains(p.String(), w) {
						used[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("no problem mentions %q in %q", w, err)
				}
			}
			if len(cerr.Problems) != len(tc.want) {
				t.Errorf("%d problems, want %d: %q", len(cerr.Problems), len(tc.want), err)
			}
			if !strings.Contains(err.Error(), tc.want[0]) {
				t.Errorf("Error() %q does not list %q", err, tc.want[0])
			}
		})
	}
}

func TestErrorJoinsEveryProblem(t *testing.T) {
	e := &Error{[]Problem{{"providers.corp.issuer", "is required"}, {"", "whole document"}, {"rules[0].match", "is required"}}}
	want := "providers.corp.issuer: is required; whole document; rules[0].match: is required"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}
