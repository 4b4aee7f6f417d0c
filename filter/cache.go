package filter

import (
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/jwtverify"
)

// verifiedToken is what a successful verification leaves behind, so that the same token
// presented again costs a map lookup instead of a signature check: the provider that vouched
// for it, the key that verified it, when it stops being valid, and the parts of its claims
// the request path reads (scopes, claim headers), already extracted.
type verifiedToken struct {
	provider *providerState
	keyID    jwtverify.KeyID
	// keys is the key set keyID was found in. Sets are immutable, so while it is still the
	// provider's set in use the key is still published, and a cache hit needs no lookup of
	// keyID (a string of ~50 bytes, hashed byte by byte in wasm). install rebinds the
	// entries that survive a new set to it (dropKeysOf), so none pins an old set.
	keys       *jwtverify.KeySet
	validUntil int64 // Unix nanoseconds of exp + clock skew; 0 when the token has no exp
	scopes     []string
	// claimHeaders is claims_to_headers as name, value pairs (claimHeaders[2i] is set to
	// claimHeaders[2i+1]), in the backing array of scopes (detachEntry).
	claimHeaders []string
	// payload is where the payload segment lies in the token's text, for
	// forward_payload_header: offsets rather than a string, because the token is the cache's
	// key and the request's own header, so the entry costs eight bytes, not a copy.
	payload payloadSpan
	// logClaims is claims_to_log rendered for the access log (see decision.go); "" if none.
	logClaims string
	// conditions holds, by Condition.ID, whether each claim condition of the configuration
	// holds for this token (see conditions.go); nil when the configuration has none.
	conditions bitset
	// refusedClaims counts the claims_to_headers values that cannot be header values (see
	// claimheaders.go), counted again on every request the entry admits.
	refusedClaims uint16
	// revGeneration is the provider's revocation generation the token was last checked
	// against, and revIDs what a check needs (revocation.go); zero without revocation.
	revGeneration uint32
	revIDs        revocationIDs
	// rejection, in the cache of rejected tokens only (pluginState.rejected), is why a token
	// whose signature verified was refused on its claims (verify.go).
	rejection jwtverify.Reason
}

// detachEntry copies what a cache entry keeps of a new token into two allocations, however
// many scopes and claim headers it has: one string holding the token's text, its scopes, its
// claim-header values and its revocation identifiers (zero without revocation), and one slice
// of views of that string (the scopes, then the claim headers as name, value pairs; the names
// are the configuration's). The token's text is a view of the request's header block and the
// rest views of its decoded payload: an entry that kept them would pin both. In wasm every
// allocation is paid by the request and again by the guest's single-threaded collector
// (issue 19), and an entry used to cost five (seven with revocation).
func detachEntry(token string, scopes []string, headers [][2]string, ids revocationIDs) (text string, scopeViews, headerViews []string, idViews revocationIDs) {
	n := len(token) + len(ids.JTI) + len(ids.Sub)
	for _, s := range scopes {
		n += len(s)
	}
	for _, h := range headers {
		n += len(h[1])
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(token)
	b.WriteString(ids.JTI)
	b.WriteString(ids.Sub)
	for _, s := range scopes {
		b.WriteString(s)
	}
	for _, h := range headers {
		b.WriteString(h[1])
	}
	all := b.String()
	next := func(k int) (v string) {
		v, all = all[:k], all[k:]
		return v
	}
	text, idViews = next(len(token)), ids
	idViews.JTI, idViews.Sub = next(len(ids.JTI)), next(len(ids.Sub))
	if len(scopes)+len(headers) == 0 {
		return text, nil, nil, idViews
	}
	views := make([]string, len(scopes)+2*len(headers))
	for i, s := range scopes {
		views[i] = next(len(s))
	}
	hv := views[len(scopes):]
	for i, h := range headers {
		hv[2*i], hv[2*i+1] = h[0], next(len(h[1]))
	}
	return text, views[:len(scopes):len(scopes)], hv, idViews
}

// keyPublished reports whether the key that verified the token is still in its provider's
// key set.
func (e *verifiedToken) keyPublished() bool {
	return e.keys != nil && e.keys == e.provider.keys || e.provider.hasKey(e.keyID)
}

// payloadSpan is [start, end) of a compact JWS's payload segment (RFC 7515 §7.1); zero
// when the provider does not forward the payload.
type payloadSpan struct{ start, end int32 }

// payloadSpanOf finds the payload segment of a token that verified (so it has exactly two
// dots).
func payloadSpanOf(token string) payloadSpan {
	first := strings.IndexByte(token, '.')
	second := first + 1 + strings.IndexByte(token[first+1:], '.')
	return payloadSpan{int32(first + 1), int32(second)}
}

// of returns the payload segment of token, the text of the token the span was taken from.
func (p payloadSpan) of(token string) string { return token[p.start:p.end] }

// tokenCache is a bounded map from token text to its verification. Eviction is first in,
// first out through a ring of slots: O(1), no per-hit bookkeeping, and an attacker who
// floods unique valid tokens only pushes entries out, never grows the cache. Slots are
// values in one slice, so the entries cost the guest's garbage collector (single-threaded
// in wasm, and paid for by the request that triggers it) one scan of one array.
//
// The key is the token's text, as in Envoy's jwt_authn cache: a hit needs the presented
// token to be byte-identical to one that was verified. The index maps a seeded 64-bit hash
// of the text (tokentext.go) to a slot, and a hit compares the slot's text with the
// presented one, so two texts that collide only cost a miss: a put replaces the older
// entry. Go's map[string] did the same with its own hash and comparison, which in wasm cost
// more than the rest of a cached request (issue 19). An earlier version keyed by the token's
// SHA-256 to bound an entry's size; in wasm, SHA-256 has no assembly and cost ~14 µs for a
// 790-byte token. An entry holds its token (at most max_token_bytes, typically ~1 KiB).
//
// Unlike Envoy's cache, an entry is only honoured while its provider's key set still
// contains its key.
type tokenCache struct {
	index    map[uint64]int32 // tokenHash → slot in ring
	ring     []cacheSlot      // grows to capacity, then wraps
	capacity int
	next     int
	// epoch changes whenever a slot is filled or freed, so that a cacheRef taken earlier in
	// the same request is known to still name the same text (see ref). It starts at 1: the
	// zero cacheRef was never looked up. 64 bits never wrap.
	epoch uint64
	hash  func(string) uint64 // tokenHash; tests make texts collide
}

type cacheSlot struct {
	token string // "" when the slot is free
	hash  uint64 // tokenHash(token)
	entry verifiedToken
}

// cacheRef is where a token text was found in a cache: extraction looks the text up once
// (a known text needs no syntax check, extract.go) and the request path reuses the answer.
type cacheRef struct {
	hash  uint64
	slot  int32 // -1: not in the cache
	epoch uint64
}

func newTokenCache(capacity int) *tokenCache {
	if capacity <= 0 {
		return &tokenCache{epoch: 1, hash: tokenHash}
	}
	// Allocated as entries arrive: a configured capacity of 10^6 costs nothing until used.
	initial := min(capacity, 1024)
	return &tokenCache{index: make(map[uint64]int32, initial), ring: make([]cacheSlot, 0, initial), capacity: capacity, epoch: 1, hash: tokenHash}
}

// ref looks token up, whether or not its entry is still valid.
func (c *tokenCache) ref(token string) cacheRef { return c.refHashed(token, c.hash(token)) }

// holds reports whether token, looked up as r, is a key of the cache.
func (c *tokenCache) holds(r cacheRef) bool { return r.slot >= 0 && r.epoch == c.epoch }

// get returns the entry for the token if it is still valid at now and its key is still
// published; a stale entry is dropped. The pointer is valid until the next put.
func (c *tokenCache) get(token string, now time.Time) (*verifiedToken, bool) {
	return c.getRef(token, c.ref(token), now)
}

// getRef is get with the token already looked up in this cache as r, which is reused when
// nothing was stored or freed since (a zero r was never looked up).
func (c *tokenCache) getRef(token string, r cacheRef, now time.Time) (*verifiedToken, bool) {
	if r.epoch != c.epoch {
		r = c.ref(token)
	}
	if r.slot < 0 {
		return nil, false
	}
	e := &c.ring[r.slot].entry
	if (e.validUntil != 0 && now.UnixNano() >= e.validUntil) || !e.keyPublished() {
		c.free(int(r.slot))
		return nil, false
	}
	return e, true
}

// getHashed is get for a token whose hash is known (from a lookup in another cache; every
// cache hashes with tokenHash).
func (c *tokenCache) getHashed(token string, hash uint64, now time.Time) (*verifiedToken, bool) {
	return c.getRef(token, c.refHashed(token, hash), now)
}

// refHashed is ref for a token whose hash is known.
func (c *tokenCache) refHashed(token string, hash uint64) cacheRef {
	r := cacheRef{hash: hash, slot: -1, epoch: c.epoch}
	if i, ok := c.index[hash]; ok && sameText(c.ring[i].token, token) {
		r.slot = i
	}
	return r
}

// put stores the verification of token. The token is copied: the caller's string is a
// view into the request's header block, which the entry must not keep alive.
func (c *tokenCache) put(token string, e verifiedToken) { c.putHashed(token, c.hash(token), e) }

// putHashed is put for a token whose hash is known (the request's lookup, cacheRef.hash), so
// that a new token's ~800 bytes are not hashed a second time.
func (c *tokenCache) putHashed(token string, h uint64, e verifiedToken) {
	if c.capacity == 0 {
		return
	}
	c.putOwned(strings.Clone(token), h, e)
}

// putOwned is putHashed for a token text that is already the entry's own copy (detachEntry),
// which the cache keeps as it is.
func (c *tokenCache) putOwned(token string, h uint64, e verifiedToken) {
	if c.capacity == 0 {
		return
	}
	if i, ok := c.index[h]; ok {
		if sameText(c.ring[i].token, token) {
			c.ring[i].entry = e
			return
		}
		c.free(int(i)) // another text with the same hash: the newer one wins
	}
	if len(c.ring) < c.capacity {
		c.ring = append(c.ring, cacheSlot{})
		c.next = len(c.ring) - 1
	}
	c.free(c.next)
	c.ring[c.next] = cacheSlot{token: token, hash: h, entry: e}
	c.index[h] = int32(c.next)
	c.next = (c.next + 1) % c.capacity
	c.epoch++
}

// free empties slot i, releasing what its entry referenced.
func (c *tokenCache) free(i int) {
	if s := &c.ring[i]; s.token != "" {
		delete(c.index, s.hash)
		*s = cacheSlot{}
		c.epoch++
	}
}

// dropKeysOf forgets every entry of provider p whose key is no longer published, so that
// memory is released as soon as a key rotates out (get would refuse them anyway).
func (c *tokenCache) dropKeysOf(p *providerState) {
	for i := range c.ring {
		e := &c.ring[i].entry
		switch {
		case c.ring[i].token == "" || e.provider != p:
		case !p.hasKey(e.keyID):
			c.free(i)
		case e.keys != nil:
			e.keys = p.keys
		}
	}
}

// drop forgets the entry of token, if any (a cached token found revoked).
func (c *tokenCache) drop(token string) {
	if r := c.ref(token); r.slot >= 0 {
		c.free(int(r.slot))
	}
}

func (c *tokenCache) len() int { return len(c.index) }
