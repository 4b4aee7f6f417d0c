package filter

import (
	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// metrics are Envoy stats (notes §2.11). Names are prefixed "jwtguard." and Envoy shows them
// under the plugin's scope; one counter per reason of the closed catalogue is defined at
// start, so dashboards see zeros rather than missing series.
type metrics struct {
	allowed, allowedOpen abi.Counter
	cacheHit, cacheMiss  abi.Counter
	fetches, fetchOK     abi.Counter
	fetchFailed          abi.Counter
	held, cacheEntries   sharedGauge
	heapBytes            sharedGauge
	rejectedByReason     map[string]abi.Counter
	keysAgeByProvider    map[string]abi.Gauge
}

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

func defineMetrics() metrics {
	m := metrics{
		allowed:           abi.DefineCounter("jwtguard.allowed"),
		allowedOpen:       abi.DefineCounter("jwtguard.allowed_open_route"),
		cacheHit:          abi.DefineCounter("jwtguard.cache.hit"),
		cacheMiss:         abi.DefineCounter("jwtguard.cache.miss"),
		fetches:           abi.DefineCounter("jwtguard.jwks.fetch"),
		fetchOK:           abi.DefineCounter("jwtguard.jwks.fetch_success"),
		fetchFailed:       abi.DefineCounter("jwtguard.jwks.fetch_failure"),
		held:              sharedGauge{gauge: abi.DefineGauge("jwtguard.held_requests")},
		cacheEntries:      sharedGauge{gauge: abi.DefineGauge("jwtguard.cache.entries")},
		heapBytes:         sharedGauge{gauge: abi.DefineGauge("jwtguard.vm.heap_live_bytes")},
		rejectedByReason:  map[string]abi.Counter{},
		keysAgeByProvider: map[string]abi.Gauge{},
	}
	for _, r := range requestReasons {
		m.rejectedByReason[r.name] = abi.DefineCounter("jwtguard.rejected." + r.name)
	}
	for _, r := range jwtverify.Reasons() {
		m.rejectedByReason[r.Name()] = abi.DefineCounter("jwtguard.rejected." + r.Name())
	}
	return m
}

func (m *metrics) rejected(name string) {
	if c, ok := m.rejectedByReason[name]; ok {
		c.Increment(1)
	}
}

// keysAge is the age in seconds of the keys in use for a provider: it grows while the IdP is
// down and last-good keys are served.
func (m *metrics) keysAge(provider string) abi.Gauge {
	g, ok := m.keysAgeByProvider[provider]
	if !ok {
		g = abi.DefineGauge("jwtguard.jwks.keys_age_seconds." + provider)
		m.keysAgeByProvider[provider] = g
	}
	return g
}
