package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/quickstart.golden")

const golden = "testdata/quickstart.golden"

// TestGolden compares the tour with testdata/quickstart.golden.
// go test ./examples/quickstart -update rewrites it.
func TestGolden(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("run: %v", err)
	}
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
	}
}

// TestTableMatchesPackage checks the printed table against permission.Allows,
// so that the golden file cannot drift from the library.
func TestTableMatchesPackage(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	header := lines[1]
	cols := map[permission.Set]int{}
	for _, p := range permission.Permissions() {
		cols[p] = strings.Index(header, p.String())
	}
	for i, act := range permission.Actions() {
		line := lines[2+i]
		if got := strings.Fields(line)[0]; got != act.String() {
			t.Fatalf("row %d is %q, want %s", i, got, act)
		}
		for p, col := range cols {
			marked := col < len(line) && line[col] == 'X'
			if want := permission.Allows(p, act); marked != want {
				t.Errorf("%s / %s: marked %v, want %v", act, p, marked, want)
			}
		}
	}
}

func TestFitsOnAScreen(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n > 50 {
		t.Errorf("%d lines of output, want at most 50", n)
	}
	for i, line := range strings.Split(out.String(), "\n") {
		if strings.TrimRight(line, " ") != line {
			t.Errorf("line %d has trailing spaces: %q", i+1, line)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestWriteError(t *testing.T) {
	if err := run(failWriter{}); err == nil || err.Error() != "closed" {
		t.Errorf("run = %v, want the write error", err)
	}
}
