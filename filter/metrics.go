package filter

import (
	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// metrics are Envoy stats (docs/host.md#metrics). Names are prefixed "jwtguard."; Envoy files them
// under its custom stat namespace "wasmcustom" (Context::defineMetric in
// source/extensions/common/wasm/context.cc) and strips that namespace again in /stats and
// /stats/prometheus (PrometheusStatsFormatter::metricName, source/server/admin/
// prometheus_stats.cc, through Stats::CustomStatNamespaces::stripRegisteredPrefix).
//
// Envoy has no tag convention of its own for wasm metrics: its built-in tag extractors
// (source/common/config/well_known_names.cc) match Envoy's own stat names only. A metric
// reaches Prometheus with labels only through stats_config.stats_tags regexes, which remove
// their first capture group from the name and take the second as the label's value. So the
// varying parts are dotted name/value pairs at fixed places, and envoy/envoy.yaml carries the
// two regexes (docs/metrics.md explains them):
//
//	jwtguard.rejected.reason.<reason>[.provider.<provider>]  → jwtguard_rejected{reason, provider}
//	jwtguard.allowed.provider.<provider>                     → jwtguard_allowed{provider}
//	jwtguard.jwks.keys_age_seconds.provider.<provider>       → jwtguard_jwks_keys_age_seconds{provider}
//
// provider comes last because a provider name may contain dots; reasons never do. One
// counter per reason of the closed catalogue, and one allowed counter per provider, are
// defined at start so dashboards see zeros rather than missing series; a reason's counter
// for a provider is defined when it first counts.
//
// The counters of the request path are batched (counters.go): they reach the host on the
// VM's tick, not on every request.
type metrics struct {
	batch               *counterBatch
	allowedOpen         *batchedCounter
	allowedWithoutToken *batchedCounter // optional-token rules: no token
	allowedFailedToken  *batchedCounter // allow_missing_or_failed rules: a token that failed
	cacheHit, cacheMiss *batchedCounter
	fetches, fetchOK    abi.Counter
	fetchFailed         abi.Counter
	revFetches          abi.Counter // revocation list fetches (revocation.go)
	revFetchOK          abi.Counter
	revFetchFailed      abi.Counter
	discoveryFetches    abi.Counter
	discoveryOK         abi.Counter
	discoveryFailed     abi.Counter
	discoveryRefusedBy  map[string]abi.Counter
	held, cacheEntries  sharedGauge
	heapBytes           sharedGauge
	rejectedByReason    map[string]*batchedCounter
	rejectedByProvider  map[reasonProvider]*batchedCounter
	allowedByProvider   map[string]*batchedCounter
	keysAgeByProvider   map[string]abi.Gauge
	claimRefusedByProv  map[string]*batchedCounter
}

type reasonProvider struct{ reason, provider string }

// Metric name parts that the stats_tags regexes of envoy/envoy.yaml turn into labels.
const (
	metricRejected     = "jwtguard.rejected"
	metricAllowed      = "jwtguard.allowed"
	metricKeysAge      = "jwtguard.jwks.keys_age_seconds"
	metricClaimRefused = "jwtguard.claim_header_refused"
	// Revocation (revocation.go): requests served without the fetched list
	// (on_unavailable allow), and the age of the list in use.
	metricRevocationUnchecked = "jwtguard.revocation.unchecked"
	metricRevocationAge       = "jwtguard.revocation.list_age_seconds"
	metricReasonPart          = ".reason."
	metricProviderPart        = ".provider."
	metricDiscRefused         = "jwtguard.discovery.refused"
)

// sharedGauge is a proxy-wide total of which each VM knows only its own share: Envoy's
// stats are process-wide, so every VM adds the change of its share since it last reported.
type sharedGauge struct {
	gauge    abi.Gauge
	reported int64 // this VM's share already added
}

func (g *sharedGauge) report(share int64) {
	g.gauge.Add(share - g.reported)
	g.reported = share
}

func defineMetrics(providers []string) metrics {
	batch := &counterBatch{}
	m := metrics{
		batch:               batch,
		allowedOpen:         batch.define("jwtguard.allowed_open_route"),
		allowedWithoutToken: batch.define("jwtguard.allowed_without_token"),
		allowedFailedToken:  batch.define("jwtguard.allowed_failed_token"),
		cacheHit:            batch.define("jwtguard.cache.hit"),
		cacheMiss:           batch.define("jwtguard.cache.miss"),
		fetches:             abi.DefineCounter("jwtguard.jwks.fetch"),
		fetchOK:             abi.DefineCounter("jwtguard.jwks.fetch_success"),
		fetchFailed:         abi.DefineCounter("jwtguard.jwks.fetch_failure"),
		held:                sharedGauge{gauge: abi.DefineGauge("jwtguard.held_requests")},
		cacheEntries:        sharedGauge{gauge: abi.DefineGauge("jwtguard.cache.entries")},
		heapBytes:           sharedGauge{gauge: abi.DefineGauge("jwtguard.vm.heap_live_bytes")},
		rejectedByReason:    map[string]*batchedCounter{},
		rejectedByProvider:  map[reasonProvider]*batchedCounter{},
		allowedByProvider:   map[string]*batchedCounter{},
		keysAgeByProvider:   map[string]abi.Gauge{},
		claimRefusedByProv:  map[string]*batchedCounter{},
		discoveryFetches:    abi.DefineCounter("jwtguard.discovery.fetch"),
		discoveryOK:         abi.DefineCounter("jwtguard.discovery.fetch_success"),
		discoveryFailed:     abi.DefineCounter("jwtguard.discovery.fetch_failure"),
		discoveryRefusedBy:  map[string]abi.Counter{},
		revFetches:          abi.DefineCounter("jwtguard.revocation.fetch"),
		revFetchOK:          abi.DefineCounter("jwtguard.revocation.fetch_success"),
		revFetchFailed:      abi.DefineCounter("jwtguard.revocation.fetch_failure"),
	}
	for _, r := range requestReasons {
		m.rejectedByReason[r.name] = batch.define(metricRejected + metricReasonPart + r.name)
	}
	for _, r := range jwtverify.Reasons() {
		m.rejectedByReason[r.Name()] = batch.define(metricRejected + metricReasonPart + r.Name())
	}
	for _, p := range providers {
		m.allowedByProvider[p] = batch.define(metricAllowed + metricProviderPart + p)
		m.claimRefusedByProv[p] = batch.define(metricClaimRefused + metricProviderPart + p)
	}
	return m
}

// rejected counts a rejection for reason, under provider when one judged the token ("" when
// none did). Reasons outside the catalogue are not counted.
func (m *metrics) rejected(reason, provider string) {
	c, ok := m.rejectedByReason[reason]
	if !ok {
		return
	}
	if provider != "" {
		key := reasonProvider{reason, provider}
		if c, ok = m.rejectedByProvider[key]; !ok {
			c = m.batch.define(metricRejected + metricReasonPart + reason + metricProviderPart + provider)
			m.rejectedByProvider[key] = c
		}
	}
	c.add(1)
}

// keysAge is the age in seconds of the keys in use for a provider: it grows while the IdP is
// down and last-good keys are served.
func (m *metrics) keysAge(provider string) abi.Gauge {
	g, ok := m.keysAgeByProvider[provider]
	if !ok {
		g = abi.DefineGauge(metricKeysAge + metricProviderPart + provider)
		m.keysAgeByProvider[provider] = g
	}
	return g
}

// claimHeaderRefused counts claim header values of provider that were not sent because they
// cannot be header values (claimheaders.go).
func (m *metrics) claimHeaderRefused(provider string, n uint64) {
	if c, ok := m.claimRefusedByProv[provider]; ok {
		c.add(n)
	}
}

// discoveryRefused counts a discovery document of provider refused for its content (wrong
// issuer, a jwks_uri without a cluster, not a document): a configuration or IdP problem an
// operator must see, apart from the IdP being down.
func (m *metrics) discoveryRefused(provider string) {
	c, ok := m.discoveryRefusedBy[provider]
	if !ok {
		c = abi.DefineCounter(metricDiscRefused + metricProviderPart + provider)
		m.discoveryRefusedBy[provider] = c
	}
	c.Increment(1)
}
