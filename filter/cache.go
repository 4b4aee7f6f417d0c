package filter

import (
	"crypto/sha256"
	"time"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// verifiedToken is what a successful verification leaves behind, so that the same token
// presented again costs a map lookup instead of a signature check: the provider that vouched
// for it, the key that verified it, when it stops being valid, and the parts of its claims
// the request path reads (scopes, claim headers), already extracted.
type verifiedToken struct {
	provider     *providerState
	keyID        jwtverify.KeyID
	validUntil   int64 // Unix nanoseconds of exp + clock skew; 0 when the token has no exp
	scopes       []string
	claimHeaders [][2]string
}

// tokenDigest is the SHA-256 of a token's text, the cache's key. Keying by digest rather
// than by the text bounds an entry's size whatever the token's (up to max_token_bytes), and
// leaves the index free of pointers; a collision would need a SHA-256 second preimage.
type tokenDigest [sha256.Size]byte

func digestOf(token string) tokenDigest { return sha256.Sum256([]byte(token)) }

// tokenCache is a bounded map from token digest to its verification. Eviction is first in,
// first out through a ring of slots: O(1), no per-hit bookkeeping, and an attacker who
// floods unique valid tokens only pushes entries out, never grows the cache. The index holds
// no pointers, so the guest's garbage collector (single-threaded in wasm, and paid for by
// the request that triggers it) never scans it; slots are values in one slice. Envoy's
// jwt_authn cache keys by the token text and keeps entries after their key leaves the JWKS;
// here an entry is only honoured while its provider's key set still contains its key.
type tokenCache struct {
	index    map[tokenDigest]int32 // slot in ring
	ring     []cacheSlot           // grows to capacity, then wraps
	capacity int
	next     int
}

type cacheSlot struct {
	digest tokenDigest
	used   bool
	entry  verifiedToken
}

func newTokenCache(capacity int) *tokenCache {
	if capacity <= 0 {
		return &tokenCache{}
	}
	// Allocated as entries arrive: a configured capacity of 10^6 costs nothing until used.
	initial := min(capacity, 1024)
	return &tokenCache{index: make(map[tokenDigest]int32, initial), ring: make([]cacheSlot, 0, initial), capacity: capacity}
}

// get returns the entry for the token if it is still valid at now and its key is still
// published; a stale entry is dropped. The pointer is valid until the next put.
func (c *tokenCache) get(d tokenDigest, now time.Time) (*verifiedToken, bool) {
	i, ok := c.index[d]
	if !ok {
		return nil, false
	}
	e := &c.ring[i].entry
	if (e.validUntil != 0 && now.UnixNano() >= e.validUntil) || !e.provider.hasKey(e.keyID) {
		c.free(int(i))
		return nil, false
	}
	return e, true
}

func (c *tokenCache) put(d tokenDigest, e verifiedToken) {
	if c.capacity == 0 {
		return
	}
	if i, ok := c.index[d]; ok {
		c.ring[i].entry = e
		return
	}
	if len(c.ring) < c.capacity {
		c.ring = append(c.ring, cacheSlot{})
		c.next = len(c.ring) - 1
	}
	c.free(c.next)
	c.ring[c.next] = cacheSlot{digest: d, used: true, entry: e}
	c.index[d] = int32(c.next)
	c.next = (c.next + 1) % c.capacity
}

// free empties slot i, releasing what its entry referenced.
func (c *tokenCache) free(i int) {
	if s := &c.ring[i]; s.used {
		delete(c.index, s.digest)
		*s = cacheSlot{}
	}
}

// dropKeysOf forgets every entry of provider p whose key is no longer published, so that
// memory is released as soon as a key rotates out (get would refuse them anyway).
func (c *tokenCache) dropKeysOf(p *providerState) {
	for i := range c.ring {
		if e := &c.ring[i].entry; c.ring[i].used && e.provider == p && !p.hasKey(e.keyID) {
			c.free(i)
		}
	}
}

func (c *tokenCache) len() int { return len(c.index) }
