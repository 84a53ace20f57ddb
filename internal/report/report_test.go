package report_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/internal/report"
	"github.com/entaccess/entaccess/internal/report/reporttest"
)

// TestActions: every value once, the table's first, then 0, the value after
// the table and 255.
func TestActions(t *testing.T) {
	got := report.Actions([]uint8{3, 1, 2})
	if len(got) != 256 {
		t.Fatalf("%d values, want 256", len(got))
	}
	if want := []uint8{3, 1, 2, 0, 4, 255, 5, 6}; !slices.Equal(got[:8], want) {
		t.Errorf("Actions begins %v, want %v", got[:8], want)
	}
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	for i, v := range sorted {
		if int(v) != i {
			t.Fatalf("value %d missing or repeated", i)
		}
	}
}

// TestDone: no report without a disagreement; one report with the input
// before the lines, multi-line disagreements indented, the rest counted.
func TestDone(t *testing.T) {
	var f reporttest.T
	r := report.Report{Prefix: "kit", Check: "CheckX", Cases: 30}
	if n := r.Done(&f); n != 0 || len(f.Reports) != 0 {
		t.Fatalf("Done = %d with %d reports, want 0 and none", n, len(f.Reports))
	}
	r.Input = `{"in":1}`
	for i := range report.Max + 2 {
		r.Add("case %d\nmore", i)
	}
	reporttest.Expect(t, &f, r.Done(&f), report.Max+2, "kit: CheckX: 22 of 30 cases disagree with entaccess:\n\t{\"in\":1}\n\tcase 0\n\tmore\n\tcase 1\n",
		"\n\tcase 19\n\tmore\n\t... and 2 more")
	if strings.Contains(f.Reports[0], "case 20") {
		t.Errorf("report lists more than %d cases:\n%s", report.Max, f.Reports[0])
	}
	r = report.Report{Prefix: "kit", Check: "CheckX", Head: "one account disagrees"}
	r.Add("x")
	var g reporttest.T
	reporttest.Expect(t, &g, r.Done(&g), 1, "kit: CheckX: one account disagrees:\n\tx")
}
