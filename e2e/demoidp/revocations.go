package demoidp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// revocations is the demo's revocation publisher (docs/revocation.md): what POST /revoke
// recorded, served as a version-1 document at GET /revoked.json with an ETag, answering
// If-None-Match with 304. Entries are pruned when they expire.
type revocations struct {
	mu  sync.Mutex
	jti map[string]int64 // jti → expires
	sub map[string]int64 // sub → iat_before (expires: iat_before + the longest lifetime)
	// The document as last built, kept until an entry is added or the earliest entry
	// expires: building 10^5 entries costs a few hundred milliseconds, a poll should not.
	doc     []byte
	etag    string
	pruneAt int64 // the earliest expiry in doc (Unix seconds, clock skew included)
}

// clockSkew is what the proxies tolerate past exp: entries are kept that much longer.
const clockSkew = 60 * time.Second

// RevokeJTI revokes one token until exp (its exp claim; zero: the longest lifetime from now).
func (p *IdP) RevokeJTI(jti string, exp time.Time) {
	if exp.IsZero() {
		exp = time.Now().Add(p.lifetime())
	}
	p.revoked.mu.Lock()
	p.revoked.jti[jti] = exp.Unix()
	p.revoked.doc = nil
	p.revoked.mu.Unlock()
}

// RevokeSub revokes every token of sub issued up to now. The cut-off is the next second:
// iat has one-second resolution, and a token issued in this second must go too.
func (p *IdP) RevokeSub(sub string) {
	p.revoked.mu.Lock()
	p.revoked.sub[sub] = time.Now().Unix() + 1
	p.revoked.doc = nil
	p.revoked.mu.Unlock()
}

func (p *IdP) lifetime() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxTTL
}

// Document is the list as served now, pruned: entries whose tokens have all expired (plus
// the proxies' clock skew) are dropped for good.
func (p *IdP) Document() []byte {
	doc, _ := p.document()
	return doc
}

// document returns the current document and its ETag, rebuilding them when needed.
func (p *IdP) document() ([]byte, string) {
	now := time.Now().Add(-clockSkew).Unix()
	life := int64(p.lifetime() / time.Second)
	r := &p.revoked
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.doc != nil && now < r.pruneAt {
		return r.doc, r.etag
	}
	doc := mint.Revocations{JTI: []mint.RevokedJTI{}, Sub: []mint.RevokedSub{}}
	r.pruneAt = math.MaxInt64
	for jti, exp := range r.jti {
		if exp <= now {
			delete(r.jti, jti)
			continue
		}
		r.pruneAt = min(r.pruneAt, exp)
		doc.JTI = append(doc.JTI, mint.RevokeJTI(jti, exp))
	}
	for sub, before := range r.sub {
		if before+life <= now {
			delete(r.sub, sub)
			continue
		}
		r.pruneAt = min(r.pruneAt, before+life)
		doc.Sub = append(doc.Sub, mint.RevokeSub(sub, before, before+life))
	}
	// Sorted: the same entries must make the same bytes, or the ETag would change on every
	// rebuild and fewer polls would be answered 304.
	sort.Slice(doc.JTI, func(i, j int) bool { return doc.JTI[i].JTI < doc.JTI[j].JTI })
	sort.Slice(doc.Sub, func(i, j int) bool { return doc.Sub[i].Sub < doc.Sub[j].Sub })
	r.doc = doc.JSON()
	sum := sha256.Sum256(r.doc)
	r.etag = `"` + hex.EncodeToString(sum[:16]) + `"`
	return r.doc, r.etag
}

// serveRevoke: POST /revoke?jti=ID[&exp=UNIX] or POST /revoke?sub=SUBJECT.
func (p *IdP) serveRevoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST /revoke?jti=… or ?sub=…", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	switch {
	case q.Get("jti") != "":
		var exp time.Time
		if s := q.Get("exp"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				http.Error(w, "exp: seconds since 1970", http.StatusBadRequest)
				return
			}
			exp = time.Unix(n, 0)
		}
		p.RevokeJTI(q.Get("jti"), exp)
	case q.Get("sub") != "":
		p.RevokeSub(q.Get("sub"))
	default:
		http.Error(w, "POST /revoke?jti=… or ?sub=…", http.StatusBadRequest)
		return
	}
	w.Header().Set("content-type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"revoked": r.URL.RawQuery})
}

// serveRevocations: GET /revoked.json, with a strong ETag of the body (RFC 9110 §8.8.3) and
// 304 for a matching If-None-Match (§13.1.2).
func (p *IdP) serveRevocations(w http.ResponseWriter, r *http.Request) {
	p.ListFetches.Add(1)
	if p.ListDown.Load() {
		http.Error(w, "revocation publisher down", http.StatusServiceUnavailable)
		return
	}
	doc, etag := p.document()
	w.Header().Set("etag", etag)
	if r.Header.Get("if-none-match") == etag {
		p.ListNotModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("content-type", "application/json")
	w.Write(doc)
}
