// Package soak drives the compiled plugin in the Envoy-like host with a long, mixed,
// concurrent stream of requests — valid, forged, malformed, expired, under-scoped, unknown
// kids, unique tokens that churn the cache — while the IdP rotates keys and flaps, and
// checks every answer against what it must be. It reports wrong verdicts, traps, panics,
// JWKS fetches and the VMs' linear memory over time.
//
// In the e2e module this is a tool users run (make soak); e2e/doc.go gives the layout.
package soak

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/e2e/envoyhost"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// Options of a soak run.
type Options struct {
	Wasm        []byte
	Requests    int // total requests
	Concurrency int // workers (Envoy's --concurrency) and client goroutines
	// UniqueTokens is the size of the pool of distinct valid tokens that churn the cache
	// (more than CacheEntries, so most of them miss).
	UniqueTokens int
	CacheEntries int
	Rotations    int // key rotations over the run
	Seed         uint64
	Progress     io.Writer // nil: quiet
	// Only sends requests of these classes (comma-separated), in their usual proportions.
	// With "unique" alone, every request carries a token never seen before, signed as it is
	// sent (UniqueTokens is ignored): the cache-churn run.
	Only string
	// Env is the VMs' environment (vm_config.environment_variables), e.g. GOGC=200.
	Env []string
	// Profile is the host's WASI (envoyhost.Pre533: Envoy 1.33–1.38, Istio 1.25–1.30).
	Profile envoyhost.Profile
}

// Result of a soak run.
type Result struct {
	Requests         int
	Duration         time.Duration
	ByClass          map[string]int
	Wrong            int
	WrongCases       []string // the first few
	FailedVMs        int
	PanicLogs        int
	Fetches          int64
	FetchesWhileDown int64
	// Memory samples: the largest worker linear memory after each tenth of the run.
	MemoryMiB []float64
	// HeapMiB: the guests' Go heap, all VMs together (gauge jwtguard.vm.heap_live_bytes), and
	// CacheEntries (gauge jwtguard.cache.entries), sampled with MemoryMiB.
	HeapMiB      []float64
	CacheEntries []int64
	// CountersTotal is allowed.provider.<p> + allowed_open_route + every rejected.reason.<reason>[.provider.<p>]: it must equal
	// Requests (each request counted exactly once).
	CountersTotal int64
}

// Series formats one of a Result's per-tenth samples for printing: the values, space
// separated, each with format.
func Series[T any](values []T, format string) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = fmt.Sprintf(format, v)
	}
	return strings.Join(s, " ")
}

// request classes and the verdicts they must get.
type class struct {
	name   string
	weight int
}

var classes = []class{
	{"hot", 45}, {"unique", 12}, {"rotating", 6}, {"forged", 6}, {"expired", 4}, {"scope", 5},
	{"malformed", 5}, {"missing", 4}, {"unknown_kid", 3}, {"open", 10},
}

const (
	issuer   = "https://soak-idp.example/"
	audience = "soak-api"
)

// idp is an in-memory IdP: the plugin's fetches reach it through the cluster's client.
type idp struct {
	mu        sync.Mutex
	keys      []*mint.Key
	down      bool
	served    map[string]time.Time // kid → first time a good answer carried it
	fetches   atomic.Int64
	downFetch atomic.Int64
}

func (i *idp) RoundTrip(*http.Request) (*http.Response, error) {
	i.fetches.Add(1)
	i.mu.Lock()
	down, doc := i.down, mint.JWKS(i.keys...)
	i.mu.Unlock()
	if down {
		i.downFetch.Add(1)
		// Alternate the two ways an IdP fails: an error status, and a reset mid-body.
		if i.downFetch.Load()%2 == 0 {
			return &http.Response{StatusCode: 503, Body: io.NopCloser(strings.NewReader("down")), Header: http.Header{}}, nil
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(io.MultiReader(bytes.NewReader(doc[:len(doc)/2]), errReader{})), Header: http.Header{}}, nil
	}
	i.mu.Lock()
	for _, k := range i.keys {
		if _, ok := i.served[k.Kid]; !ok {
			i.served[k.Kid] = time.Now()
		}
	}
	i.mu.Unlock()
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(doc)), Header: http.Header{"Content-Type": {"application/json"}}}, nil
}

// servedFor reports how long ago a good answer first carried kid (0: never).
func (i *idp) servedFor(kid string) time.Duration {
	i.mu.Lock()
	defer i.mu.Unlock()
	if t, ok := i.served[kid]; ok {
		return time.Since(t)
	}
	return 0
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

func (i *idp) publish(keys ...*mint.Key) {
	i.mu.Lock()
	i.keys = keys
	i.mu.Unlock()
}

func (i *idp) setDown(down bool) {
	i.mu.Lock()
	i.down = down
	i.mu.Unlock()
}

// gauges reads the host's stats text ("name: value" lines), counters and gauges alike.
func gauges(text string) map[string]int64 {
	out := map[string]int64{}
	for _, line := range strings.Split(text, "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		var v int64
		fmt.Sscan(value, &v)
		out[name] = v
	}
	return out
}

// verdict is "200" for a request that reached the upstream, or "<status> <reason>" for a
// local reply.
func verdict(r *envoyhost.Response) string {
	if r == nil {
		return "no response"
	}
	if r.Status == 200 {
		return "200"
	}
	var body struct{ Reason string }
	json.Unmarshal(r.Body, &body)
	return fmt.Sprintf("%d %s", r.Status, body.Reason)
}
