package main

import (
	"os"
	"path/filepath"
	"testing"
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
