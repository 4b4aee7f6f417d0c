package filter

import (
	"math/rand/v2"

	"github.com/jwtguard/jwtguard/internal/textword"
)

// Token text is the cache's key, and a cached request handles it three times: it checks the
// token68 syntax, hashes it for the lookup, and compares it with the cached key. Go's own
// string hash and comparison go byte by byte in wasm, and a typical token is ~800 bytes: the
// map lookup alone cost more than the rest of the request path (issue 19,
// docs/performance.md). The hash and the comparison read eight bytes per step
// (internal/textword, whose loops are wasm assembly in the plugin).

// tokenHashSeed differs per VM, so that which texts collide is not known in advance. It
// needs no secrecy: a collision only costs a cache miss (the full text is compared), and
// only tokens whose signature verified are ever stored.
var tokenHashSeed = rand.Uint64()

// tokenHash is the cache's hash of a token's text. It is not collision-resistant and need
// not be (see tokenHashSeed).
func tokenHash(s string) uint64 { return textword.Hash(tokenHashSeed, s) }

// sameText is a == b.
func sameText(a, b string) bool { return textword.Equal(a, b) }
