package main

import (
	"github.com/jwtguard/jwtguard/internal/mint"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/e2e/load"
)

func TestReadBenchTakesTheMedianOfRuns(t *testing.T) {
	out := `goos: linux
BenchmarkWasmColdRS256-2    	    6834	    407270 ns/op	    4409 B/op	      65 allocs/op
BenchmarkWasmColdRS256-2    	    6855	    336567 ns/op	    4409 B/op	      65 allocs/op
BenchmarkWasmColdRS256-2    	    6676	    335732 ns/op	    4410 B/op	      65 allocs/op
BenchmarkFloorWasmRS256-2   	    9223	    252000 ns/op
BenchmarkFloorWasmRS256-2   	    9274	    250000 ns/op
BenchmarkWasmCompile        	       2	1784699589 ns/op
BenchmarkInterleavedColdRS256-2     	    3000	       265.0 cold-µs	       297.1 floor-µs	         0.8922 ratio
BenchmarkInterleavedColdRS256-2     	    3000	       222.2 cold-µs	       288.3 floor-µs	         0.7709 ratio
BenchmarkInterleavedColdRS256-2     	    3000	       230.0 cold-µs	       290.0 floor-µs	         0.7900 ratio
--- FAIL: BenchmarkJWTVerifyWasmRS256
PASS
`
	file := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readBench(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"WasmColdRS256", 336567},  // odd count: the middle run, not the disturbed first
		{"FloorWasmRS256", 251000}, // even count: the mean of the middle two
		{"WasmCompile", 1784699589},
		{"InterleavedColdRS256/cold", 230000}, // custom "-µs" medians, in ns
		{"InterleavedColdRS256/floor", 290000},
	} {
		if got[tc.name] != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got[tc.name], tc.want)
		}
	}
	if len(got) != 5 {
		t.Errorf("read %d benchmarks, want 5: %v", len(got), got)
	}
}

// TestReadmeTableIsWhatPerfPrints: README.md's performance table must be a copy of what
// `make bench` prints. Rows are rendered from made-up measurements with perf's default
// parameters; README must have the same header, the same rows in the same order with the same
// labels and targets, and cells of the same shape (only the numbers and yes/no may differ).
func TestReadmeTableIsWhatPerfPrints(t *testing.T) {
	bench := map[string]float64{}
	for i, name := range []string{"WasmCachedToken", "WasmOpenRoute", "WasmColdRS256", "FloorWasmRS256", "WasmColdES256",
		"FloorWasmES256", "WasmForgedRS256", "WasmInsufficientScope", "WasmHandOffOpenRoute", "WasmHandOffCachedToken",
		"NativeRS256", "NativeES256", "PeerGolangJWTRS256", "PeerGolangJWTES256", "VerifyRS256", "StdlibRS256",
		"VerifyES256", "StdlibES256", "WasmStartVM", "WasmCompile", "JWTVerifyWasmRS256",
		"InterleavedColdRS256/cold", "InterleavedColdRS256/floor", "InterleavedColdES256/cold",
		"InterleavedColdES256/floor", "InterleavedCachedToken/cached", "InterleavedCachedToken/open",
		"InterleavedCachedTokenRevocation/revocation", "InterleavedCachedTokenRevocation/plain"} {
		bench[name] = float64(1000 * (i + 1))
	}
	for i, alg := range mint.Algs {
		bench["InterleavedColdAlg/"+alg+"/cold"], bench["InterleavedColdAlg/"+alg+"/floor"] = float64(100*(i+1)), float64(100*(i+2))
	}
	res := func(n int) load.Result {
		return load.Result{Requests: n, Duration: time.Second, P50: time.Millisecond, P99: 4 * time.Millisecond}
	}
	series := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	rows := benchRows(bench, 6_000_000)
	rows = append(rows, httpRows(res(8000), res(3000), res(10000), 8, 2)...)
	rows = append(rows, memoryRows(series, series, 120000, 6000, 2000, 2)...)
	var b strings.Builder
	printTable(&b, rows)
	want := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")

	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if i := strings.Index(string(readme), want[0]+"\n"); i >= 0 {
		for _, line := range strings.Split(string(readme[i:]), "\n") {
			if !strings.HasPrefix(line, "|") {
				break
			}
			got = append(got, line)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("README's performance table has %d lines, perf prints %d:\n%s", len(got), len(want), b.String())
	}
	for i := range want {
		if !cellShape(want[i]).MatchString(got[i]) {
			t.Errorf("README line %d\n  %s\nis not what perf prints:\n  %s", i+1, got[i], want[i])
		}
	}
}

var number = regexp.MustCompile(`[0-9]+(\.[0-9]+)?|\byes\b|\bno\b`)

// cellShape turns a rendered line into a pattern where every number (and yes/no) may differ.
func cellShape(line string) *regexp.Regexp {
	var p strings.Builder
	p.WriteString("^")
	last := 0
	for _, m := range number.FindAllStringIndex(line, -1) {
		p.WriteString(regexp.QuoteMeta(line[last:m[0]]))
		if s := line[m[0]:m[1]]; s == "yes" || s == "no" {
			p.WriteString(`(yes|no)`)
		} else {
			p.WriteString(`[0-9]+(\.[0-9]+)?`)
		}
		last = m[1]
	}
	p.WriteString(regexp.QuoteMeta(line[last:]) + "$")
	return regexp.MustCompile(p.String())
}
