package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestChartUpToDate fails when the chart in testdata/bench differs from
// what the measured figures draw now. Fix it with: go generate ./...
func TestChartUpToDate(t *testing.T) {
	f, err := os.Open("../../testdata/bench/compare.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	figs, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := SVG(figs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../testdata/bench/peers.svg")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("testdata/bench/peers.svg is stale; run go generate ./... (-want +got):\n%s", diff)
	}
}

func TestParseMedians(t *testing.T) {
	const out = `goos: linux
BenchmarkCheck/engine=opa/members=1000-2   	 100	 30000 ns/op	 7326 B/op
BenchmarkCheck/engine=map/members=1000-2   	 100	 20.5 ns/op	 0.00006 setup-s	 0 B/op
BenchmarkCheck/engine=map/members=1000-2   	 100	 40.5 ns/op
BenchmarkCheck/engine=map/members=100000-2 	 100	 100 ns/op
BenchmarkCheck/engine=map/members=1000-2   	 100	 10 ns/op
BenchmarkOther/x=1-2   	 100	 1 ns/op
PASS
`
	figs, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []Figure{
		{Engine: "map", Members: 1000, NsPerOp: 20.5, Runs: 3},
		{Engine: "map", Members: 100000, NsPerOp: 100, Runs: 1},
		{Engine: "opa", Members: 1000, NsPerOp: 30000, Runs: 1},
	}
	if diff := cmp.Diff(want, figs); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
	svg, err := SVG(figs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{">map (baseline)<", ">OPA<", ">20.5 ns<", ">30.0 µs<", ">10 ns<", ">100 µs<", "1,000 members", "100,000 members", "median of 1 to 3 runs"} {
		if !strings.Contains(svg, s) {
			t.Errorf("chart lacks %q", s)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for name, tc := range map[string]struct{ in, substr string }{
		"no figures":     {"goos: linux\nPASS\n", "no BenchmarkCheck lines"},
		"unknown engine": {"BenchmarkCheck/engine=zanzibar/members=10-2 1 5 ns/op\n", `line 1: unknown engine "zanzibar"`},
		"no ns/op":       {"BenchmarkCheck/engine=map/members=10-2 1 5 B/op\n", "line 1:"},
		"bad time":       {"x\nBenchmarkCheck/engine=map/members=10-2 1 -5 ns/op\n", `line 2: ns/op "-5"`},
		"bad members":    {"BenchmarkCheck/engine=map/members=ten-2 1 5 ns/op\n", `members "ten"`},
		"short name":     {"BenchmarkCheck/engine=map 1 5 ns/op\n", "want BenchmarkCheck/engine=E/members=N-P"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("Parse: %v; want an error containing %q", err, tc.substr)
			}
		})
	}
	if _, err := SVG(nil); err == nil {
		t.Error("SVG(nil): no error")
	}
}
