package filter

import (
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
	validUntil   time.Time // exp + clock skew; the zero time when the token has no exp
	scopes       []string
	claimHeaders [][2]string
}

// tokenCache is a bounded map from the exact token text to its verification. Keys are
// compared byte for byte (Go map), so a lookup can never confuse two tokens; the bound is in
// entries, and with the token size limit it bounds memory. Eviction is first-in first-out
// through a ring of keys: O(1), no per-hit bookkeeping, and an attacker who floods unique
// valid tokens only pushes entries out, never grows the map. Envoy's jwt_authn cache has
// the same exact-token key but keeps entries after their key leaves the JWKS; here an entry
// is only honoured while its provider's current key set still contains the verifying key.
type tokenCache struct {
	entries map[string]*verifiedToken
	ring    []string
	next    int
}

func newTokenCache(capacity int) *tokenCache {
	if capacity <= 0 {
		return &tokenCache{}
	}
	return &tokenCache{entries: make(map[string]*verifiedToken, capacity), ring: make([]string, capacity)}
}

// get returns the entry for token if it is still valid at now and its key is still
// published; a stale entry is dropped.
func (c *tokenCache) get(token string, now time.Time) (*verifiedToken, bool) {
	e, ok := c.entries[token]
	if !ok {
		return nil, false
	}
	if (!e.validUntil.IsZero() && !now.Before(e.validUntil)) || !e.provider.hasKey(e.keyID) {
		delete(c.entries, token)
		return nil, false
	}
	return e, true
}

func (c *tokenCache) put(token string, e *verifiedToken) {
	if len(c.ring) == 0 {
		return
	}
	if _, ok := c.entries[token]; ok {
		c.entries[token] = e
		return
	}
	if old := c.ring[c.next]; old != "" {
		delete(c.entries, old)
	}
	c.ring[c.next] = token
	c.next = (c.next + 1) % len(c.ring)
	c.entries[token] = e
}

// dropKeysOf forgets every entry of provider p whose key is no longer published, so that
// memory is released as soon as a key rotates out (get would refuse them anyway).
func (c *tokenCache) dropKeysOf(p *providerState) {
	for token, e := range c.entries {
		if e.provider == p && !p.hasKey(e.keyID) {
			delete(c.entries, token)
		}
	}
}

func (c *tokenCache) len() int { return len(c.entries) }
