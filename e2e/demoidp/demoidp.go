// Package demoidp is the demo identity provider of `make run` and of the HTTP tests: it
// serves a JWKS with one RS256 and one ES256 key, mints tokens on request, rotates its RS256
// key on request, and publishes a revocation list (revocations.go). Keys are generated at
// start; nothing is persisted.
//
// In the e2e module this is a tool users run (make run); e2e/doc.go gives the layout.
package demoidp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/internal/mint"
)

// IdP is the demo identity provider.
type IdP struct {
	Issuer   string
	Audience string
	mu       sync.Mutex
	rsa, ec  *mint.Key
	retired  []*mint.Key
	rotation int
	Fetches  atomic.Int64
	jtiSeq   atomic.Int64
	maxTTL   time.Duration // the longest lifetime minted so far, for revocation expiries
	revoked  revocations
	// ListFetches counts GET /revoked.json, ListNotModified the 304s among them; ListDown
	// makes that endpoint answer 503 (a publisher outage, for tests).
	ListFetches, ListNotModified atomic.Int64
	ListDown                     atomic.Bool
}

// New makes an IdP with fresh keys.
func New(issuer, audience string) (*IdP, error) {
	r, err := mint.NewRSA("rsa-1", 2048)
	if err != nil {
		return nil, err
	}
	e, err := mint.NewEC("ec-1")
	if err != nil {
		return nil, err
	}
	return &IdP{Issuer: issuer, Audience: audience, rsa: r, ec: e, rotation: 1, maxTTL: 10 * time.Minute,
		revoked: revocations{jti: map[string]int64{}, sub: map[string]int64{}}}, nil
}

// TokenParams are the query parameters of GET /token, with what each does; the demo prints
// them and README.md lists them (a test in cmd/demo checks both).
var TokenParams = []struct{ Name, Help string }{
	{"alg", "RS256 (default) or ES256"},
	{"sub", "the subject (default alice)"},
	{"scope", "space-separated scopes (default none)"},
	{"ttl", "lifetime as a Go duration, e.g. 90s or 2h (default 10m); negative for an expired token"},
	{"nbf", "not-before, as a duration from now (default 0s); positive for a token not valid yet"},
}

// Token mints a token: alg "RS256" or "ES256"; scope space-separated; ttl may be negative
// (an expired token); nbf in the future with notBefore > 0.
func (p *IdP) Token(alg, sub, scope string, ttl, notBefore time.Duration) (string, error) {
	tok, _, err := p.TokenWithJTI(alg, sub, scope, ttl, notBefore)
	return tok, err
}

// TokenWithJTI mints a token as Token does and also returns its jti (unique per IdP), the
// handle POST /revoke?jti= takes.
func (p *IdP) TokenWithJTI(alg, sub, scope string, ttl, notBefore time.Duration) (string, string, error) {
	p.mu.Lock()
	var k *mint.Key
	switch alg {
	case "RS256":
		k = p.rsa
	case "ES256":
		k = p.ec
	}
	p.maxTTL = max(p.maxTTL, ttl)
	p.mu.Unlock()
	if k == nil {
		return "", "", fmt.Errorf("alg %q: the demo IdP signs RS256 or ES256", alg)
	}
	now := time.Now()
	jti := "demo-" + strconv.FormatInt(p.jtiSeq.Add(1), 10)
	tok, err := k.Sign(map[string]any{"iss": p.Issuer, "aud": p.Audience, "sub": sub, "scope": scope, "jti": jti,
		"iat": now.Unix(), "nbf": now.Add(notBefore).Unix(), "exp": now.Add(ttl).Unix()}, nil)
	return tok, jti, err
}

// Rotate replaces the RS256 key with a new kid; the old one is no longer published.
func (p *IdP) Rotate() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rotation++
	k, err := mint.NewRSA("rsa-"+strconv.Itoa(p.rotation), 2048)
	if err != nil {
		return "", err
	}
	p.retired = append(p.retired, p.rsa)
	p.rsa = k
	return k.Kid, nil
}

// ServeHTTP: GET /.well-known/jwks.json; GET /token?alg=&sub=&scope=&ttl=&nbf=; POST /rotate;
// POST /revoke?jti=[&exp=] or ?sub=; GET /revoked.json.
func (p *IdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/jwks.json":
		p.Fetches.Add(1)
		p.mu.Lock()
		doc := mint.JWKS(p.rsa, p.ec)
		p.mu.Unlock()
		w.Header().Set("content-type", "application/jwk-set+json")
		w.Write(doc)
	case "/token":
		q := r.URL.Query()
		for name := range q {
			if !slices.ContainsFunc(TokenParams, func(tp struct{ Name, Help string }) bool { return tp.Name == name }) {
				http.Error(w, "unknown parameter "+strconv.Quote(name)+"; /token takes "+tokenParamNames(), http.StatusBadRequest)
				return
			}
		}
		ttl, err1 := time.ParseDuration(orDefault(q.Get("ttl"), "10m"))
		nbf, err2 := time.ParseDuration(orDefault(q.Get("nbf"), "0s"))
		if err := errors.Join(err1, err2); err != nil {
			http.Error(w, "ttl and nbf are Go durations such as 90s, 2h or -1h: "+err.Error(), http.StatusBadRequest)
			return
		}
		alg := orDefault(q.Get("alg"), "RS256")
		if alg != "RS256" && alg != "ES256" {
			http.Error(w, "alg "+strconv.Quote(alg)+": the demo IdP signs RS256 or ES256", http.StatusBadRequest)
			return
		}
		tok, err := p.Token(alg, orDefault(q.Get("sub"), "alice"), q.Get("scope"), ttl, nbf)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("content-type", "text/plain")
		w.Write([]byte(tok + "\n"))
	case "/rotate":
		if r.Method != http.MethodPost {
			http.Error(w, "POST /rotate", http.StatusMethodNotAllowed)
			return
		}
		kid, err := p.Rotate()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"kid": kid})
	case "/revoke":
		p.serveRevoke(w, r)
	case "/revoked.json":
		p.serveRevocations(w, r)
	default:
		http.NotFound(w, r)
	}
}

func tokenParamNames() string {
	names := make([]string, len(TokenParams))
	for i, tp := range TokenParams {
		names[i] = tp.Name
	}
	return strings.Join(names, ", ")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Echo is the demo upstream: its response body is the method, path and headers it received,
// so a client sees what the filter let through (token removed, claim headers set).
func Echo(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("upstream saw: " + r.Method + " " + r.URL.RequestURI() + "\n")
	for k, vs := range r.Header {
		for _, v := range vs {
			b.WriteString("  " + strings.ToLower(k) + ": " + v + "\n")
		}
	}
	w.Header().Set("content-type", "text/plain")
	w.Write([]byte(b.String()))
}
