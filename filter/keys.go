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
	// jwks fetches the keys: nil with local keys only; idle for a discovery provider until
	// its discovery document names a jwks_uri.
	jwks       *fetcher[*jwtverify.KeySet]
	discovery  *fetcher[discoveryDoc] // nil without discovery (discovery.go)
	refetchMin time.Duration          // least time between two unknown-kid refetches
	rev        *revocationState       // nil without a revocation section (revocation.go)

	held []*heldRequest
	// allowed is the counter of requests this provider's tokens let through
	// (metrics.allowedByProvider[name], looked up once at init rather than per request).
	allowed *batchedCounter
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

// keySource is how a provider's JWKS is fetched: from remote_jwks, or from the jwks_uri of
// its discovery document (whose place is known once the document is).
type keySource struct {
	cluster, authority, path string
	timeout, refresh         time.Duration
	refetchMin               time.Duration
	backoffBase, backoffMax  time.Duration
}

func remoteKeySource(r *config.RemoteJWKS) keySource {
	return keySource{r.Cluster, r.Authority, r.Path, r.Timeout, r.RefreshInterval, r.RefetchMinInterval, r.BackoffBaseInterval, r.BackoffMaxInterval}
}

// discoveryKeySource: the keys of a discovery provider have its refresh interval and timeout,
// and remote_jwks's defaults for the rest (config/REFERENCE.md, discovery).
func discoveryKeySource(d *config.Discovery) keySource {
	return keySource{"", "", "", d.Timeout, d.RefreshInterval, config.DefaultRefetchMinInterval, config.DefaultBackoffBaseInterval, config.DefaultBackoffMaxInterval}
}

// jwksFetcher is the fetcher of a provider's keys: shared by every plugin of the proxy that
// fetches the same URL from the same cluster.
func (pl *pluginState) jwksFetcher(p *providerState, src keySource) *fetcher[*jwtverify.KeySet] {
	p.refetchMin = src.refetchMin
	return newFetcher(fetchSpec[*jwtverify.KeySet]{
		what:            "JWKS",
		owner:           "provider " + p.cfg.Name,
		cluster:         src.cluster,
		authority:       src.authority,
		path:            src.path,
		accept:          "application/jwk-set+json, application/json",
		timeout:         src.timeout,
		refreshInterval: src.refresh,
		backoffBase:     src.backoffBase,
		backoffMax:      src.backoffMax,
		maxBytes:        pl.cfg.Limits.MaxJWKSBytes,
		counters:        fetchCounters{pl.metrics.fetches, pl.metrics.fetchOK, pl.metrics.fetchFailed},
		parse: func(body []byte, fetched bool) (*jwtverify.KeySet, error) {
			return pl.parseJWKS(p, body, fetched)
		},
		install: func(ks *jwtverify.KeySet) { pl.install(p, ks) },
		inUse:   func() string { return keysInUse(p, pl.now()) },
		settled: func(s fetchSchedule, now time.Time) { pl.settleHeld(p, s, now) },
	}, pl.vmNonce, pl.now)
}

// adoptShared adopts what other VMs published since this VM last looked (the discovery
// document first: it may move the keys) and reports whether the keys changed.
func (p *providerState) adoptShared() bool {
	if p.discovery != nil {
		p.discovery.adoptShared()
	}
	return p.jwks.adoptShared()
}

// fetchKeys starts the fetch that brings keys, if due (force: due now): the discovery
// document while its jwks_uri is unknown, else the keys.
func (p *providerState) fetchKeys(now time.Time, force bool) {
	if p.discovery != nil && p.jwks.idle() {
		p.discovery.maybeFetch(now, force)
		return
	}
	p.jwks.maybeFetch(now, force)
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
	pl.rejected.dropKeysOf(p)
}

// keysInUse says what verifies this provider's tokens in this VM while a fetch brought
// nothing new.
func keysInUse(p *providerState, now time.Time) string {
	switch {
	case p.keys == nil:
		return "there are no keys yet: tokens of this provider are answered 503 keys_unavailable until a fetch succeeds"
	case p.keysVersion() == 0 && p.jwks.fetchedAt.IsZero():
		return "the local_jwks keys stay in use"
	default:
		return "the keys fetched " + now.Sub(p.jwks.fetchedAt).Truncate(time.Second).String() + " ago stay in use"
	}
}
