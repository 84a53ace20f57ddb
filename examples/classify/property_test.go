package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// orgGen generates organizations that Classify accepts, small enough that
// every outcome and reason comes up.
var orgGen = rapid.Custom(func(t *rapid.T) migration.Organization {
	org := migration.Organization{
		Name:       rapid.SampledFrom([]string{"acme", "globex", "initech", "x <&> y"}).Draw(t, "name"),
		PublicBeta: rapid.Float64Range(0, 1).Draw(t, "beta") < 0.2,
	}
	names := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"web", "api", "ops", "data"}), 0, 4, rapid.ID).Draw(t, "teams")
	for _, name := range names {
		tm := account.Team{Name: name, Licensed: rapid.Bool().Draw(t, "licensed")}
		users := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"ann", "bob", "cy"}), 0, 3, rapid.ID).Draw(t, "users")
		for _, u := range users {
			role := rapid.SampledFrom([]account.Role{account.RoleAdmin, account.RoleMember, account.RoleViewer, account.RoleCollaborator}).Draw(t, "role")
			tm.Members = append(tm.Members, account.TeamMember{User: u, Role: role})
		}
		org.Teams = append(org.Teams, tm)
	}
	return org
})

// malformed lines, each wrong in a different way.
var malformed = []string{
	`{"name": "a", "teams": [`,
	`{"name": "a", "teams": [{"name": "t", "members": [{"user": "u", "role": "owner"}]}]}`,
	`{"name": "a", "teams": [{"name": "t", "members": []}, {"name": "t", "members": []}]}`,
	`{"name": "a", "teams": [{"name": "", "members": []}]}`,
	`{"name": "a", "tems": []}`,
	`[]`,
	`"acme"`,
}

var lineErr = regexp.MustCompile(`^classify: line (\d+): (.*)\n$`)

// propMaxLine is the -max-line of the property tests: generated
// organizations fit, tooLong does not.
const propMaxLine = 2000

var tooLong = `{"name": "` + strings.Repeat("x", propMaxLine) + `"}`

// TestOneRecordPerLine: for any mix of organizations and malformed lines,
// the output has one record per input line, numbered 1 to n in order, in
// JSON and in the table.
func TestOneRecordPerLine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "lines")
		var in strings.Builder
		for range n {
			if rapid.Bool().Draw(t, "malformed") {
				in.WriteString(rapid.SampledFrom(append(malformed, tooLong)).Draw(t, "line"))
			} else {
				b, err := json.Marshal(orgGen.Draw(t, "org"))
				if err != nil {
					t.Fatal(err)
				}
				in.Write(b)
			}
			in.WriteString(rapid.SampledFrom([]string{"\n", "\r\n"}).Draw(t, "ending"))
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i + 1
		}
		maxLine := strconv.Itoa(propMaxLine)

		var out, errOut bytes.Buffer
		run([]string{"-max-line", maxLine}, strings.NewReader(in.String()), &out, &errOut)
		var got []int
		for _, r := range decodeRecords(t, out.String()) {
			got = append(got, r.Line)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("line numbers of the records (-want +got):\n%s", diff)
		}

		out.Reset()
		run([]string{"-table", "-max-line", maxLine}, strings.NewReader(in.String()), &out, &errOut)
		got = nil
		for i, row := range slices.Collect(strings.Lines(out.String())) {
			if i == 0 {
				continue // the header
			}
			k, err := strconv.Atoi(strings.Fields(row)[0])
			if err != nil {
				t.Fatalf("row %q: %v", row, err)
			}
			got = append(got, k)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("line numbers of the table rows (-want +got):\n%s", diff)
		}
	})
}

// TestMalformedLinesDoNotDisturbOthers mixes valid organizations, malformed
// lines and blank lines, and checks that each valid line's record is the
// one Classify gives, each malformed line gets an error record under its
// own number, reported with the same message on standard error, blank
// lines get none, and that the exit status and summary agree.
func TestMalformedLinesDoNotDisturbOthers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "lines")
		var all strings.Builder
		var want []record
		var outcomes [migration.Manual + 1]int
		for i := 1; i <= n; i++ {
			switch kind := rapid.IntRange(0, 5).Draw(t, "kind"); {
			case kind == 0:
				all.WriteString("  \n")
			case kind == 1:
				all.WriteString(rapid.SampledFrom(append(malformed, tooLong)).Draw(t, "malformed") + "\n")
				want = append(want, record{Line: i, Error: "?"})
			default:
				org := orgGen.Draw(t, "org")
				b, err := json.Marshal(org)
				if err != nil {
					t.Fatal(err)
				}
				d, err := migration.Classify(org)
				if err != nil {
					t.Fatalf("generated a malformed organization: %v", err)
				}
				outcomes[d.Outcome]++
				all.Write(append(b, '\n'))
				want = append(want, record{Line: i, Organization: org.Name, Decision: d})
			}
		}

		var out, errOut bytes.Buffer
		code := run([]string{"-max-line", strconv.Itoa(propMaxLine)}, strings.NewReader(all.String()), &out, &errOut)

		got := decodeRecords(t, out.String())
		if diff := cmp.Diff(want, got, anyError); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
		var recorded, reported []string
		for _, r := range got {
			if r.Error != "" {
				recorded = append(recorded, fmt.Sprintf("%d: %s", r.Line, r.Error))
			}
		}
		for line := range strings.Lines(errOut.String()) {
			if m := lineErr.FindStringSubmatch(line); m != nil {
				reported = append(reported, m[1]+": "+m[2])
			}
		}
		if diff := cmp.Diff(recorded, reported); diff != "" {
			t.Errorf("errors on standard error (-on standard output +on standard error):\n%s", diff)
		}
		wantCode := exitOK
		if len(recorded) > 0 {
			wantCode = exitMalformed
		}
		if code != wantCode {
			t.Errorf("exit status %d, want %d", code, wantCode)
		}
		summary := fmt.Sprintf("classify: outcomes: no-change %d, automatic %d, manual %d\n",
			outcomes[migration.NoChange], outcomes[migration.Automatic], outcomes[migration.Manual])
		if !strings.Contains(errOut.String(), summary) {
			t.Errorf("stderr lacks %q:\n%s", summary, &errOut)
		}
	})
}
