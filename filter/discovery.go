package filter

import (
	"errors"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/internal/strictjson"
)

// OpenID Connect discovery (issue 15): a provider configured with `discovery` fetches the
// IdP's discovery document (OpenID Connect Discovery 1.0 §4) with a fetcher of its own — one
// fetch per proxy, backoff, last good, ETag — and points its JWKS fetcher at the document's
// jwks_uri. A document is refused, keeping the one in use and so the keys, when its issuer is
// not exactly the provider's (§4.3), or when its jwks_uri cannot be fetched through a cluster
// the configuration names (discovery.jwks_clusters): the plugin never sends a request to a
// host the operator did not name.

// discoveryDoc is what jwtguard uses of a discovery document: where its keys are.
type discoveryDoc struct {
	cluster, authority, path string
}

var (
	errDiscoveryNotObject = errors.New("is not a JSON object")
	errDiscoveryNoJWKSURI = errors.New("has no jwks_uri string")
)

func (pl *pluginState) discoveryFetcher(p *providerState) *fetcher[discoveryDoc] {
	d := p.cfg.Discovery
	return newFetcher(fetchSpec[discoveryDoc]{
		what:            "discovery document",
		owner:           "provider " + p.cfg.Name,
		cluster:         d.Cluster,
		authority:       d.Authority,
		path:            d.Path,
		accept:          "application/json",
		timeout:         d.Timeout,
		refreshInterval: d.RefreshInterval,
		backoffBase:     config.DefaultBackoffBaseInterval,
		backoffMax:      config.DefaultBackoffMaxInterval,
		maxBytes:        pl.cfg.Limits.MaxJWKSBytes,
		counters:        fetchCounters{pl.metrics.discoveryFetches, pl.metrics.discoveryOK, pl.metrics.discoveryFailed},
		parse: func(body []byte, fetched bool) (discoveryDoc, error) {
			doc, err := parseDiscovery(body, p.cfg.Issuer, d.Authority, d.Cluster, d.JWKSClusters)
			if err != nil && fetched {
				pl.metrics.discoveryRefused(p.cfg.Name)
			}
			return doc, err
		},
		install: func(doc discoveryDoc) { pl.installDiscovery(p, doc) },
		inUse:   func() string { return pl.discoveryInUse(p) },
		settled: func(s fetchSchedule, now time.Time) { pl.discoverySettled(p, s, now) },
	}, pl.vmNonce, pl.now)
}

// parseDiscovery validates a discovery document for a provider whose issuer is issuer and
// whose discovery is fetched from authority through cluster, and says where its keys are.
func parseDiscovery(body []byte, issuer, authority, cluster string, jwksClusters map[string]string) (discoveryDoc, error) {
	if problem := strictjson.Problem(body); problem != "" {
		return discoveryDoc{}, errors.New(problem)
	}
	doc := gjson.ParseBytes(body)
	if !doc.IsObject() {
		return discoveryDoc{}, errDiscoveryNotObject
	}
	// §4.3: the issuer must be identical to the one the configuration names (no case
	// folding, no trailing-slash tolerance), or the keys would be another issuer's.
	if iss := doc.Get("issuer"); iss.Type != gjson.String || iss.Str != issuer {
		return discoveryDoc{}, errors.New("names issuer " + quoteShort(iss.Raw) + ", not the provider's issuer " + quoteShort(`"`+issuer+`"`))
	}
	ju := doc.Get("jwks_uri")
	if ju.Type != gjson.String {
		return discoveryDoc{}, errDiscoveryNoJWKSURI
	}
	u, ok := parseHTTPURL(ju.Str)
	if !ok {
		return discoveryDoc{}, errors.New("has a jwks_uri that is not an absolute https or http URL without user or fragment: " + quoteShort(ju.Raw))
	}
	host := strings.ToLower(u.authority)
	target := discoveryDoc{authority: u.authority, path: u.path}
	switch c, ok := jwksClusters[host]; {
	case strings.EqualFold(host, authority):
		target.cluster = cluster
	case ok:
		target.cluster = c
	default:
		return discoveryDoc{}, errors.New("has its jwks_uri on " + quoteShort(`"`+u.authority+`"`) + ", for which discovery.jwks_clusters names no cluster")
	}
	return target, nil
}

// quoteShort bounds a value from a fetched document before it goes into a log line.
func quoteShort(raw string) string {
	const max = 200
	if len(raw) > max {
		raw = raw[:max] + "…"
	}
	if hasControlOrSpace(strings.ReplaceAll(raw, " ", "")) {
		return "(unprintable)"
	}
	return raw
}

func hasControlOrSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// installDiscovery points the provider's JWKS fetcher at the document's jwks_uri. The keys in
// use stay until keys are fetched or adopted from there.
func (pl *pluginState) installDiscovery(p *providerState, doc discoveryDoc) {
	j := p.jwks
	if j.spec.cluster == doc.cluster && j.spec.authority == doc.authority && j.spec.path == doc.path {
		return
	}
	j.retarget(doc.cluster, doc.authority, doc.path)
	j.adoptShared() // another VM (or plugin) may have fetched the keys from there already
}

// discoverySettled follows a discovery attempt: once the jwks_uri is known, fetch the keys if
// due (at once for a new jwks_uri); if the attempt failed and no jwks_uri is known, no keys
// can follow, so the requests held for them are answered.
func (pl *pluginState) discoverySettled(p *providerState, s fetchSchedule, now time.Time) {
	if p.jwks.idle() {
		if s.failures > 0 {
			pl.answerHeld(p, now)
		}
		return
	}
	p.jwks.maybeFetch(now, false)
}

// discoveryInUse says what the provider goes on with after a failed or refused discovery fetch.
func (pl *pluginState) discoveryInUse(p *providerState) string {
	if p.jwks.idle() {
		return "no jwks_uri is known yet: " + keysInUse(p, pl.now())
	}
	return "the keys stay at " + p.jwks.spec.authority + p.jwks.spec.path
}
