package main

import (
	"fmt"
	"io"
	"time"

	"github.com/jwtguard/jwtguard/e2e/load"
	"github.com/jwtguard/jwtguard/e2e/soak"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// The table perf prints is the one README.md shows under Performance; tableMatchesReadme
// (main_test.go) keeps the two in the same shape. The rows are built from measurements by
// the pure functions below so that the shape can be checked without measuring anything.

type row struct {
	what, measured, reference, ratio, target, met string
}

const tableHeader = "| measure | measured | reference | ratio | target | met |\n|---|---|---|---|---|---|\n"

func printTable(w io.Writer, rows []row) {
	io.WriteString(w, tableHeader)
	for _, r := range rows {
		line := "|"
		for _, c := range []string{r.what, r.measured, r.reference, r.ratio, r.target, r.met} {
			if c != "" {
				c += " "
			}
			line += " " + c + "|"
		}
		fmt.Fprintln(w, line)
	}
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func us(ns float64) string { return fmt.Sprintf("%.1f µs", ns/1e3) }

// benchRows turns the medians of `go test -bench` (ns/op by benchmark name, from the e2e
// package and from jwtverify) and the module's size into rows. A row whose benchmarks are
// missing is left out.
func benchRows(bench map[string]float64, wasmSize int64) []row {
	var rows []row
	ratio := func(what, name, refLabel, ref string, limit float64) {
		a, b := bench[name], bench[ref]
		if a == 0 || b == 0 {
			return
		}
		r := row{what: what, measured: us(a), reference: refLabel + us(b), ratio: fmt.Sprintf("%.2f×", a/b)}
		if limit > 0 {
			r.target = fmt.Sprintf("≤ %g×", limit)
			r.met = yes(a/b <= limit)
		}
		rows = append(rows, r)
	}
	// pair puts two measurements against their references in one row: "a / b".
	pair := func(what, a1, b1, a2, b2 string) {
		x1, y1, x2, y2 := bench[a1], bench[b1], bench[a2], bench[b2]
		if x1 == 0 || y1 == 0 || x2 == 0 || y2 == 0 {
			return
		}
		rows = append(rows, row{what: what,
			measured:  fmt.Sprintf("%.1f / %.1f µs", x1/1e3, x2/1e3),
			reference: fmt.Sprintf("%.1f / %.1f µs", y1/1e3, y2/1e3),
			ratio:     fmt.Sprintf("%.2f× / %.2f×", x1/y1, x2/y2)})
	}
	ratio("cached token", "WasmCachedToken", "open route ", "WasmOpenRoute", 2)
	if v := bench["WasmCachedToken"]; v > 0 {
		rows = append(rows, row{what: "cached token, absolute", measured: us(v), target: "≤ 10 µs", met: yes(v <= 10000)})
	}
	// Issue 19's goals: a whole cold request faster than the standard library's verification
	// alone in wasm.
	ratio("cold RS256 (a new valid token)", "WasmColdRS256", "stdlib verify in wasm ", "FloorWasmRS256", 0.6)
	ratio("cold ES256 (a new valid token)", "WasmColdES256", "stdlib verify in wasm ", "FloorWasmES256", 0.5)
	ratio("jwtverify parse + claims + verify, RS256, wasm", "JWTVerifyWasmRS256", "stdlib verify in wasm ", "FloorWasmRS256", 0)
	// The same goals from the interleaved benchmarks (each request alternates with its
	// reference; medians), which hold on a machine shared with other work.
	ratio("cold RS256, interleaved", "InterleavedColdRS256/cold", "stdlib verify in wasm ", "InterleavedColdRS256/floor", 0.6)
	ratio("cold ES256, interleaved", "InterleavedColdES256/cold", "stdlib verify in wasm ", "InterleavedColdES256/floor", 0.5)
	ratio("cached token, interleaved", "InterleavedCachedToken/cached", "open route ", "InterleavedCachedToken/open", 0)
	// Issue 20: a revocation list of 10^5 entries may add at most 1 µs to a cached request.
	if a, b := bench["InterleavedCachedTokenRevocation/revocation"], bench["InterleavedCachedTokenRevocation/plain"]; a > 0 && b > 0 {
		rows = append(rows, row{what: "cached token with a 10^5-entry revocation list, interleaved", measured: us(a),
			reference: "without a list " + us(b), ratio: fmt.Sprintf("%.2f×", a/b), target: "≤ 1 µs more", met: yes(a-b <= 1000)})
	}
	for _, alg := range mint.Algs { // issue 18: each algorithm next to its stdlib floor in wasm
		ratio("cold "+alg+", interleaved (a new valid token; local key set of one key per algorithm)",
			"InterleavedColdAlg/"+alg+"/cold", "stdlib verify in wasm ", "InterleavedColdAlg/"+alg+"/floor", 0)
	}
	ratio("forged RS256 (a new token, bad signature)", "WasmForgedRS256", "", "FloorWasmRS256", 0)
	ratio("insufficient scope (cached token, 403)", "WasmInsufficientScope", "cached token ", "WasmCachedToken", 0)
	pair("open / cached through a goroutine hand-off per callback (not how Envoy calls a VM)",
		"WasmHandOffOpenRoute", "WasmOpenRoute", "WasmHandOffCachedToken", "WasmCachedToken")
	pair("stdlib verify, wasm ÷ native, RS256 / ES256", "FloorWasmRS256", "NativeRS256", "FloorWasmES256", "NativeES256")
	pair("golang-jwt v5 ÷ stdlib, both native, RS256 / ES256", "PeerGolangJWTRS256", "NativeRS256", "PeerGolangJWTES256", "NativeES256")
	pair("`jwtverify` ÷ stdlib, both native, RS256 / ES256", "VerifyRS256", "StdlibRS256", "VerifyES256", "StdlibES256")
	if v := bench["WasmStartVM"]; v > 0 {
		rows = append(rows, row{what: "start of one VM (`_initialize` + vm_start + configure)", measured: fmt.Sprintf("%.1f ms", v/1e6), target: "≤ 50 ms", met: yes(v <= 50e6)})
	}
	if v := bench["WasmCompile"]; v > 0 {
		rows = append(rows, row{what: "compiling the module (once per plugin load)", measured: fmt.Sprintf("%.2f s", v/1e9)})
	}
	if wasmSize > 0 {
		rows = append(rows, row{what: "`.wasm` size", measured: fmt.Sprintf("%.2f MB", float64(wasmSize)/1e6), target: "≤ 6.5 MB", met: yes(wasmSize <= 6.5e6)})
	}
	return rows
}

// httpRows: requests through devproxy with the filter (a cached token, then a new token per
// request) against the same requests through a listener without it.
func httpRows(hot, cold, base load.Result, concurrency, workers int) []row {
	lat := func(r load.Result) string {
		return fmt.Sprintf("%.0f req/s, p50 %.1f ms, p99 %.1f ms", r.PerSecond(), ms(r.P50), ms(r.P99))
	}
	setup := fmt.Sprintf(" (loopback, %d clients, %d workers)", concurrency, workers)
	return []row{
		{what: "HTTP, cached token, with ÷ without the filter" + setup, measured: lat(hot), reference: lat(base),
			ratio: fmt.Sprintf("%.2f×", hot.PerSecond()/base.PerSecond()), target: "≥ 0.8×", met: yes(hot.PerSecond() >= 0.8*base.PerSecond())},
		{what: "HTTP, cold RS256, a new token per request", measured: lat(cold), reference: fmt.Sprintf("%.0f req/s", base.PerSecond()),
			ratio: fmt.Sprintf("%.2f×", cold.PerSecond()/base.PerSecond())},
	}
}

// memoryRows: the largest worker's linear memory and the VMs' Go heap after each tenth of a
// run that churns a small cache.
func memoryRows(memMiB, heapMiB []float64, requests, tokens, cache, workers int) []row {
	half, last := memMiB[len(memMiB)/2-1], memMiB[len(memMiB)-1]
	return []row{
		{what: fmt.Sprintf("worker linear memory, %d requests over %d distinct tokens, `cache_entries` %d (MiB after each tenth)", requests, tokens, cache),
			measured: soak.Series(memMiB, "%.1f"), reference: fmt.Sprintf("%.1f at half", half), ratio: fmt.Sprintf("%.2f×", last/half),
			target: "no growth once the cache is full", met: yes(last <= half*1.1)},
		{what: fmt.Sprintf("Go heap, the %d workers' VMs together, same run (MiB, gauge `jwtguard.vm.heap_live_bytes`)", workers),
			measured: soak.Series(heapMiB, "%.1f")},
	}
}
