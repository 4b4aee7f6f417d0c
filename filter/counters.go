package filter

import "github.com/jwtguard/jwtguard/internal/abi"

// batchedCounter is a counter of the request path (verdicts, cache hits and misses, refused
// claim headers) that counts in the VM and reaches the host on the VM's tick (every
// tickPeriod) or when the plugin stops, instead of with one proxy_increment_metric hostcall
// per count: a hostcall is one of the dozen or so a cached request makes, and the cached
// request is what this filter does most (issue 19, docs/performance.md). Envoy's /stats and
// /stats/prometheus may therefore lag the requests by up to one tick period (README,
// Metrics). Counts are never lost or merged: each counter keeps its own pending count.
type batchedCounter struct {
	c       abi.Counter
	pending uint64
}

// add counts n, to be sent on the next flush.
func (b *batchedCounter) add(n uint64) { b.pending += n }

// flush sends the pending count, if any.
func (b *batchedCounter) flush() {
	if b.pending != 0 {
		b.c.Increment(b.pending)
		b.pending = 0
	}
}

// counterBatch owns every batchedCounter of a plugin, so that one flush sends them all.
type counterBatch struct{ all []*batchedCounter }

// define defines the host counter name and returns its batched form.
func (cb *counterBatch) define(name string) *batchedCounter {
	b := &batchedCounter{c: abi.DefineCounter(name)}
	cb.all = append(cb.all, b)
	return b
}

// flush sends every pending count: at most one hostcall per counter that counted since the
// last flush.
func (cb *counterBatch) flush() {
	for _, b := range cb.all {
		b.flush()
	}
}
