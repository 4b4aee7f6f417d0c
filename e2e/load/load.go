// Package load is a small closed-loop HTTP load generator for loopback measurements: a fixed
// number of requests sent by a fixed number of clients over keep-alive connections, each
// latency recorded, bounded in time as well as in count.
//
// In the e2e module this is a tool users run (make bench); e2e/doc.go gives the layout.
package load

import (
	"context"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Result of a run.
type Result struct {
	Requests int // answered requests
	Errors   int // transport errors
	Duration time.Duration
	Statuses map[int]int
	P50, P99 time.Duration
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 { return float64(r.Requests) / r.Duration.Seconds() }

// Run sends n requests (fewer if maxDuration passes first) with concurrency clients.
// prepare fills in request i.
func Run(ctx context.Context, n, concurrency int, maxDuration time.Duration, prepare func(i int) *http.Request) Result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, DisableCompression: true}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, maxDuration)
	defer cancel()
	latencies := make([]time.Duration, n)
	statuses := make([]int, n)
	var next atomic.Int64
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < concurrency; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				req := prepare(i).WithContext(ctx)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[i], statuses[i] = time.Since(t0), resp.StatusCode
			}
		}()
	}
	wg.Wait()
	r := Result{Duration: time.Since(start), Errors: int(errs.Load()), Statuses: map[int]int{}}
	var done []time.Duration
	for i, s := range statuses {
		if s != 0 {
			r.Statuses[s]++
			done = append(done, latencies[i])
		}
	}
	r.Requests = len(done)
	if len(done) > 0 {
		sort.Slice(done, func(a, b int) bool { return done[a] < done[b] })
		r.P50 = done[len(done)/2]
		r.P99 = done[len(done)*99/100]
	}
	return r
}
