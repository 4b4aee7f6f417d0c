package jwtverify

import "github.com/tidwall/gjson"

// ClaimValue returns the JSON value of the top-level claim name of a parsed token, for
// callers that render claims themselves (the filter's claim headers). Like every claim read,
// it describes a token whose signature may not have been checked yet: callers use it only
// after VerifySignature.
func (t *Token) ClaimValue(name string) (gjson.Result, bool) { return t.claim(name) }
