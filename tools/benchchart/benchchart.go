package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Engines are the engines the chart shows, in its order, with the names it
// gives them; Parse rejects any other.
var engines = []struct{ key, label string }{
	{"map", "map (baseline)"},
	{"entaccess", "entaccess"},
	{"cedar", "cedar-go"},
	{"casbin", "casbin"},
	{"opa", "OPA"},
}

// A Figure is the median time per check of one engine at one size.
type Figure struct {
	Engine  string // as in the benchmark's name: map, entaccess, cedar, casbin, opa
	Members int
	NsPerOp float64 // median over the runs
	Runs    int
}

// Parse reads go test -bench output with lines such as
//
//	BenchmarkCheck/engine=cedar/members=1000-2  308108  4750 ns/op ...
//
// and returns the median ns/op of each engine and size, sorted by engine
// (in the chart's order), then size. Lines of other benchmarks and non-benchmark
// lines are skipped; a BenchmarkCheck line it cannot read is an error.
func Parse(r io.Reader) ([]Figure, error) {
	runs := map[[2]string][]float64{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if !strings.HasPrefix(text, "BenchmarkCheck/") {
			continue
		}
		f := strings.Fields(text)
		i := slices.Index(f, "ns/op")
		parts := strings.Split(f[0], "/")
		if i < 3 || len(parts) != 3 || !strings.HasPrefix(parts[1], "engine=") || !strings.HasPrefix(parts[2], "members=") {
			return nil, fmt.Errorf("benchchart: line %d: %q: want BenchmarkCheck/engine=E/members=N-P with ns/op", line, text)
		}
		ns, err := strconv.ParseFloat(f[i-1], 64)
		if err != nil || !(ns > 0) || math.IsInf(ns, 0) {
			return nil, fmt.Errorf("benchchart: line %d: ns/op %q: not a positive number", line, f[i-1])
		}
		engine := strings.TrimPrefix(parts[1], "engine=")
		if !slices.ContainsFunc(engines, func(e struct{ key, label string }) bool { return e.key == engine }) {
			return nil, fmt.Errorf("benchchart: line %d: unknown engine %q", line, engine)
		}
		members, _, _ := strings.Cut(strings.TrimPrefix(parts[2], "members="), "-")
		if n, err := strconv.Atoi(members); err != nil || n <= 0 {
			return nil, fmt.Errorf("benchchart: line %d: members %q: not a positive integer", line, members)
		}
		k := [2]string{engine, members}
		runs[k] = append(runs[k], ns)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("benchchart: %w", err)
	}
	if len(runs) == 0 {
		return nil, errors.New("benchchart: no BenchmarkCheck lines")
	}
	var figs []Figure
	for k, xs := range runs {
		n, _ := strconv.Atoi(k[1])
		figs = append(figs, Figure{Engine: k[0], Members: n, NsPerOp: median(xs), Runs: len(xs)})
	}
	slices.SortFunc(figs, func(a, b Figure) int {
		if c := engineIndex(a.Engine) - engineIndex(b.Engine); c != 0 {
			return c
		}
		return a.Members - b.Members
	})
	return figs, nil
}

func engineIndex(key string) int {
	return slices.IndexFunc(engines, func(e struct{ key, label string }) bool { return e.key == key })
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}

// Layout of the chart, in pixels.
const (
	width    = 760
	left     = 130 // engine names
	right    = 80  // room for the last value label
	top      = 64  // title and legend
	barH     = 14
	groupGap = 14
	bottom   = 52 // tick labels and the axis title
)

// colours of the sizes, lightest for the smallest.
var colours = []string{"#9ecae1", "#2171b5", "#08306b"}

// SVG returns the chart of figs: one group of horizontal bars per engine,
// one bar per size, on a logarithmic axis of nanoseconds per check.
func SVG(figs []Figure) (string, error) {
	if len(figs) == 0 {
		return "", errors.New("benchchart: no figures")
	}
	var sizes []int
	lo, hi := math.Inf(1), math.Inf(-1)
	runs := figs[0].Runs
	for _, f := range figs {
		runs = min(runs, f.Runs)
		if !slices.Contains(sizes, f.Members) {
			sizes = append(sizes, f.Members)
		}
		lo, hi = min(lo, f.NsPerOp), max(hi, f.NsPerOp)
	}
	slices.Sort(sizes)
	if len(sizes) > len(colours) {
		return "", fmt.Errorf("benchchart: %d sizes; the chart has colours for %d", len(sizes), len(colours))
	}
	var shown []int // indexes in engines of the engines present
	for i, e := range engines {
		if slices.ContainsFunc(figs, func(f Figure) bool { return f.Engine == e.key }) {
			shown = append(shown, i)
		}
	}
	d0, d1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if d1 == d0 {
		d1++
	}
	plotW := float64(width - left - right)
	x := func(ns float64) float64 { return left + (math.Log10(ns)-d0)/(d1-d0)*plotW }
	groupH := len(sizes)*barH + groupGap
	plotH := len(shown) * groupH
	height := top + plotH + bottom

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">Time for one permission check (lower is better)</text>`+"\n", left)
	for i, n := range sizes {
		lx := left + i*150
		fmt.Fprintf(&b, `<rect x="%d" y="34" width="12" height="12" fill="%s"/><text x="%d" y="44">%s members</text>`+"\n", lx, colours[i], lx+18, thousands(n))
	}
	// Grid lines and tick labels, one per decade.
	for d := d0; d <= d1; d++ {
		gx := x(math.Pow(10, d))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#cccccc"/>`+"\n", gx, top-6, gx, top+plotH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", gx, top+plotH+16, duration(math.Pow(10, d), true))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">time per check, log scale (median of %s runs)</text>`+"\n", left+plotW/2, top+plotH+40, runsText(runs, figs))
	for g, ei := range shown {
		e := engines[ei]
		gy := top + g*groupH
		weight := ""
		if e.key == "entaccess" {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end"%s>%s</text>`+"\n", left-10, gy+len(sizes)*barH/2+4, weight, e.label)
		for i, n := range sizes {
			k := slices.IndexFunc(figs, func(f Figure) bool { return f.Engine == e.key && f.Members == n })
			if k < 0 {
				continue
			}
			ns := figs[k].NsPerOp
			by := gy + i*barH
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s, %s members: %s per check</title></rect>`+"\n",
				left, by, x(ns)-left, barH-2, colours[i], e.label, thousands(n), duration(ns, false))
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11">%s</text>`+"\n", x(ns)+4, by+barH-4, duration(ns, false))
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333333"/>`+"\n", left, top-6, left, top+plotH)
	b.WriteString("</svg>\n")
	return b.String(), nil
}

// duration formats ns with three significant digits, in ns, µs or ms;
// trimmed, it drops trailing zeros (10 ns, not 10.0 ns).
func duration(ns float64, trimmed bool) string {
	unit, v := "ns", ns
	switch {
	case ns >= 1e6:
		unit, v = "ms", ns/1e6
	case ns >= 1e3:
		unit, v = "µs", ns/1e3
	}
	prec := 0
	switch {
	case v < 10:
		prec = 2
	case v < 100:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if trimmed && strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + " " + unit
}

// runsText says how many runs each median is of: "5", or "3 to 5".
func runsText(least int, figs []Figure) string {
	most := least
	for _, f := range figs {
		most = max(most, f.Runs)
	}
	if least == most {
		return strconv.Itoa(least)
	}
	return fmt.Sprintf("%d to %d", least, most)
}

// thousands formats n with commas: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
