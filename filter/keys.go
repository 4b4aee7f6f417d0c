package filter

import (
	"strconv"
	"time"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// providerState is one provider in one VM: its configuration, the keys in use (last good:
// only a successfully fetched and parsed JWKS replaces them) and the requests held until
// new keys arrive (held.go).
type providerState struct {
	cfg    *config.Provider
	policy jwtverify.ClaimsPolicy

	keys *jwtverify.KeySet
	jwks *fetcher[*jwtverify.KeySet] // nil without remote_jwks
	rev  *revocationState            // nil without a revocation section (revocation.go)

	held []*heldRequest
}

func (p *providerState) hasKey(id jwtverify.KeyID) bool {
	return p.keys != nil && p.keys.Contains(id)
}

// keysVersion is the published version of the keys in use (0: local keys or none).
func (p *providerState) keysVersion() int64 {
	if p.jwks == nil {
		return 0
	}
	return p.jwks.version
}

// jwksFetcher is the fetcher of a provider's remote_jwks: shared by every plugin of the
// proxy that fetches the same URL from the same cluster.
func (pl *pluginState) jwksFetcher(p *providerState) *fetcher[*jwtverify.KeySet] {
	r := p.cfg.Remote
	return newFetcher(fetchSpec[*jwtverify.KeySet]{
		what:            "JWKS",
		owner:           "provider " + p.cfg.Name,
		cluster:         r.Cluster,
		authority:       r.Authority,
		path:            r.Path,
		accept:          "application/jwk-set+json, application/json",
		timeout:         r.Timeout,
		refreshInterval: r.RefreshInterval,
		backoffBase:     r.BackoffBaseInterval,
		backoffMax:      r.BackoffMaxInterval,
		maxBytes:        pl.cfg.Limits.MaxJWKSBytes,
		sharedKey:       r.Cluster + "|" + r.Authority + "|" + r.Path,
		counters:        fetchCounters{pl.metrics.fetches, pl.metrics.fetchOK, pl.metrics.fetchFailed},
		parse: func(body []byte, fetched bool) (*jwtverify.KeySet, error) {
			return pl.parseJWKS(p, body, fetched)
		},
		install: func(ks *jwtverify.KeySet) { pl.install(p, ks) },
		settled: func(s fetchSchedule, now time.Time) { pl.settleHeld(p, s, now) },
	}, pl.vmNonce, pl.now)
}

// parseJWKS accepts a JWKS with at least one usable key and at most limits.max_keys.
func (pl *pluginState) parseJWKS(p *providerState, body []byte, fetched bool) (*jwtverify.KeySet, error) {
	ks, err := jwtverify.ParseJWKS(body)
	if err != nil {
		return nil, err
	}
	if ks.Len() > pl.cfg.Limits.MaxKeys {
		return nil, errTooManyKeys
	}
	if fetched {
		for _, sk := range ks.Skipped() {
			abi.LogInfo("jwtguard: provider " + p.cfg.Name + ": JWKS key " + strconv.Itoa(sk.Index) + " skipped: " + sk.Reason)
		}
	}
	return ks, nil
}

// install makes ks the keys in use and drops cached tokens whose key left the set.
func (pl *pluginState) install(p *providerState, ks *jwtverify.KeySet) {
	p.keys = ks
	pl.cache.dropKeysOf(p)
}
