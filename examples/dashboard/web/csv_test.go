package web_test

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/examples/dashboard/web"
)

// formulaNames are team names a spreadsheet could take for formulas, at
// the start or after a separator of either kind.
var formulaNames = []string{
	"=1+1", "+1", "-1", "@SUM(A1)", "ops;=1+1", "ops,=1+1", "ops;+1", "ops;-1", "ops;@x",
	`ops";=1+1`, `ops",=1+1`, `"=1+1`, `x"",=HYPERLINK("http://evil.example")`, "ops;\"=1\";x",
}

// quotedRecord is a CSV record in which every cell is quoted.
var quotedRecord = regexp.MustCompile(`^"([^"]|"")*"(,"([^"]|"")*")*$`)

// TestCSVFormulas exports usage with teams named like formulas and opens
// the file as spreadsheets do, with ',' and with ';' as the separator: no
// cell starts a formula, every cell is quoted, and with ',' the team
// names come back whole behind the "'" that marks them as text.
func TestCSVFormulas(t *testing.T) {
	a, err := account.New(web.DemoSpec())
	if err != nil {
		t.Fatal(err)
	}
	mem := web.NewMemory(a, nil)
	if _, err := mem.Store().Update(func(tx *account.Tx) error {
		for _, name := range formulaNames {
			if err := tx.CreateTeam("alice", name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Backend: mem, Logger: discard(), DemoSignIn: true, Hosts: []string{"example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	res := signIn(t, srv, "alice").get("/usage.csv")
	if res.status != 200 {
		t.Fatalf("GET /usage.csv: %d", res.status)
	}
	for line := range strings.Lines(res.body) {
		if !strings.HasSuffix(line, "\r\n") || !quotedRecord.MatchString(strings.TrimSuffix(line, "\r\n")) {
			t.Errorf("a record with a cell not quoted, or not ending in CRLF: %q", line)
		}
	}
	for _, sep := range []rune{',', ';'} {
		r := csv.NewReader(strings.NewReader(res.body))
		r.Comma = sep
		r.LazyQuotes = true // as spreadsheets read
		r.FieldsPerRecord = -1
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("separator %q: %v", sep, err)
			}
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r\n", rune(cell[0])) {
					t.Errorf("separator %q: cell %q opens as a formula", sep, cell)
				}
			}
		}
	}
	r := csv.NewReader(strings.NewReader(res.body))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, rec := range recs[1:] {
		got[rec[0]] = true
	}
	for _, name := range formulaNames {
		want := name
		if strings.ContainsRune("=+-@", rune(name[0])) {
			want = "'" + name
		}
		if !got[want] {
			t.Errorf("team %q is not in the export as %q", name, want)
		}
	}
}
