// Package filter is jwtguard's HTTP filter: it enforces tokens and route scopes on every
// request and keeps each provider's JWKS fresh. It is written against the SDK's types
// interfaces and internal/abi, so the same code runs natively under the SDK's proxytest
// emulator and in the .wasm through our binding.
package filter

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwtguard/jwtguard/config"
	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/jwtverify"
)

// NewVMContext is the plugin's entry point, registered by main's init().
func NewVMContext() types.VMContext { return &vmContext{now: abi.Now} }

type vmContext struct {
	types.DefaultVMContext
	now func() time.Time // the host's clock; tests substitute their own
}

func (vm *vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginState{now: vm.now} }

// tickPeriod drives fetch schedules, adoption of keys fetched by other VMs, and the
// deadlines of held requests. It is short so that a VM holding requests learns within a
// quarter second that another VM brought the keys; a tick costs one small shared-data read
// per remote provider.
const tickPeriod = 250 * time.Millisecond

var errTooManyKeys = errors.New("the JWKS has more keys than limits.max_keys allows")

// pluginState is the root context of one plugin in one VM.
type pluginState struct {
	types.DefaultPluginContext
	cfg              *config.Config
	realm            string
	tokenLimits      jwtverify.Limits
	providers        []*providerState
	byIssuer         map[string]*providerState
	sourcesByRule    map[*config.Rule][]tokenSource
	claimHeaderNames map[string]struct{}
	// claimHeaderLens has bit n%64 set when a claim header name is n bytes long: most
	// request headers are then told apart from claim headers without a map lookup, which
	// in wasm hashes the name byte by byte (issue 19).
	claimHeaderLens uint64
	cache           *tokenCache
	rejected        *tokenCache // verified tokens refused on their claims (verify.go)
	heldCount       int
	vmNonce         uint64 // tells this VM's lease from other VMs'
	metrics         metrics
	now             func() time.Time
	freeStreams     []*stream // deleted streams, reused by NewHttpContext (stream.Recycle)
	// parsed is the token authenticate parses into (jwtverify.ParseInto): one request is
	// authenticated at a time in a VM, and no Token outlives authenticate (what an entry
	// keeps is copied out of it), so a new token costs no Token allocation (issue 19).
	parsed jwtverify.Token
}

// OnPluginStart parses and validates the configuration. A bad configuration fails the
// plugin, so Envoy refuses the filter (fail closed) with the message naming the field.
func (pl *pluginState) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := abi.GetPluginConfiguration()
	if err != nil {
		abi.LogCritical("jwtguard: the plugin configuration is empty; a JSON object with providers and rules is required")
		return types.OnPluginStartStatusFailed
	}
	cfg, err := config.Parse(data)
	if err != nil {
		abi.LogCritical("jwtguard: invalid configuration: " + err.Error())
		return types.OnPluginStartStatusFailed
	}
	pl.init(cfg)
	if err := abi.SetTickPeriodMilliSeconds(uint32(tickPeriod / time.Millisecond)); err != nil {
		abi.LogCritical("jwtguard: cannot set the tick period: " + err.Error())
		return types.OnPluginStartStatusFailed
	}
	abi.LogInfo("jwtguard: configured")
	return types.OnPluginStartStatusOK
}

func (pl *pluginState) init(cfg *config.Config) {
	pl.cfg = cfg
	pl.realm = cfg.Realm
	pl.tokenLimits = jwtverify.Limits{MaxTokenBytes: cfg.Limits.MaxTokenBytes}
	pl.cache = newTokenCache(cfg.Limits.CacheEntries)
	pl.rejected = newTokenCache(rejectedCacheEntries(cfg.Limits.CacheEntries))
	pl.byIssuer = make(map[string]*providerState, len(cfg.Providers))
	pl.claimHeaderNames = map[string]struct{}{}
	pl.vmNonce = newVMNonce()
	names := make([]string, len(cfg.Providers))
	for i, c := range cfg.Providers {
		names[i] = c.Name
	}
	pl.metrics = defineMetrics(names)

	byConfig := map[*config.Provider]*providerState{}
	for _, c := range cfg.Providers {
		p := &providerState{cfg: c, policy: jwtverify.ClaimsPolicy{
			Issuer: c.Issuer, Audiences: c.Audiences, ClockSkew: c.ClockSkew,
			AllowMissingExp: !c.RequireExpiration, Typ: c.Typ, Subjects: c.Subjects, MaxLifetime: c.MaxLifetime,
		}}
		if c.LocalKeys != nil {
			p.keys = c.LocalKeys
		}
		switch {
		case c.Remote != nil:
			p.jwks = pl.jwksFetcher(p, remoteKeySource(c.Remote))
		case c.Discovery != nil:
			p.jwks = pl.jwksFetcher(p, discoveryKeySource(c.Discovery))
			p.discovery = pl.discoveryFetcher(p)
		}
		if c.Revocation != nil {
			p.rev = pl.newRevocation(p)
		}
		for _, ch := range c.ClaimsToHeaders {
			pl.claimHeaderNames[ch.Header] = struct{}{}
		}
		if c.ForwardPayloadHeader != "" {
			// Set by the plugin like a claim header, so removed from every request likewise.
			pl.claimHeaderNames[c.ForwardPayloadHeader] = struct{}{}
		}
		p.allowed = pl.metrics.allowedByProvider[c.Name]
		pl.providers = append(pl.providers, p)
		pl.byIssuer[c.Issuer] = p
		byConfig[c] = p
	}
	for name := range pl.claimHeaderNames {
		pl.claimHeaderLens |= 1 << (len(name) % 64)
	}
	pl.sourcesByRule = map[*config.Rule][]tokenSource{}
	for i := range cfg.Rules {
		rule := &cfg.Rules[i]
		if rule.Require == nil {
			continue
		}
		provs := rule.Require.Providers
		if len(provs) == 0 {
			provs = cfg.Providers
		}
		pl.sourcesByRule[rule] = tokenSources(provs)
	}
}

// isClaimHeader reports whether name is a header the plugin sets (claims_to_headers,
// forward_payload_header), which a client's request must not carry.
func (pl *pluginState) isClaimHeader(name string) bool {
	if pl.claimHeaderLens&(1<<(len(name)%64)) == 0 {
		return false
	}
	_, ok := pl.claimHeaderNames[name]
	return ok
}

// rejectedCacheEntries sizes the cache of verified tokens refused on their claims: a quarter
// of cache_entries (documented there), since a client normally stops presenting a refused
// token; 0 when caching is off.
func rejectedCacheEntries(cacheEntries int) int { return cacheEntries / 4 }

// tokenSources is the deduplicated list of places the providers read tokens from.
func tokenSources(provs []*config.Provider) []tokenSource {
	var out []tokenSource
	add := func(s tokenSource) {
		for _, x := range out {
			if x == s {
				return
			}
		}
		out = append(out, s)
	}
	for _, c := range provs {
		for _, h := range c.FromHeaders {
			add(headerSource(h.Name, h.ValuePrefix))
		}
		for _, q := range c.FromParams {
			add(tokenSource{param: q})
		}
		for _, n := range c.FromCookies {
			add(tokenSource{cookie: n})
		}
	}
	return out
}

// OnTick runs each provider's schedule: adopt keys another VM stored, start a fetch when
// one is due, and answer held requests that waited too long.
func (pl *pluginState) OnTick() {
	now := pl.now()
	for _, p := range pl.providers {
		pl.tickRevocation(p, now)
		if p.jwks == nil {
			continue
		}
		if p.discovery != nil {
			p.discovery.tick(now, p.keys == nil && len(p.held) > 0 && p.jwks.idle())
		}
		s := p.jwks.tick(now, p.keys == nil && len(p.held) > 0 || pl.kidRefetchDue(p, now))
		pl.settleHeld(p, s, now)
		if at := p.jwks.confirmedAt(s); !at.IsZero() {
			pl.metrics.keysAge(p.cfg.Name).Set(int64(now.Sub(at) / time.Second))
		}
	}
	pl.metrics.batch.flush()
	pl.metrics.held.report(int64(pl.heldCount))
	pl.metrics.cacheEntries.report(int64(pl.cache.len()))
	if live, ok := abi.HeapLiveBytes(); ok {
		pl.metrics.heapBytes.report(int64(live))
	}
}

// OnPluginDone sends the counts batched since the last tick: the plugin is going away.
func (pl *pluginState) OnPluginDone() bool {
	if pl.metrics.batch != nil {
		pl.metrics.batch.flush()
	}
	return true
}

func (pl *pluginState) NewHttpContext(id uint32) types.HttpContext {
	if pl.cfg == nil {
		return nil
	}
	if n := len(pl.freeStreams); n > 0 {
		s := pl.freeStreams[n-1]
		pl.freeStreams = pl.freeStreams[:n-1]
		s.id = id
		return s
	}
	return &stream{id: id, plugin: pl}
}

// newVMNonce draws the nonce that tells this VM's lease from another VM's. It needs no
// secrecy: it comes from math/rand/v2's global source (the runtime's generator, seeded once at start
// with random_get), odd so it is never the zero "no owner". crypto/rand would do too much:
// its first use arms a 60 s warning timer (crypto/internal/sysrand), and the first runtime
// timer switches on Go's netpoller, after which every restart of the world after a
// collection calls poll_oneoff — fatal on hosts before proxy-wasm-cpp-host #533
// (golang/go#78513). internal/pollfix removes that call from the shipped module; this
// keeps one timer fewer as a second line of defence.
func newVMNonce() uint64 { return rand.Uint64() | 1 }
