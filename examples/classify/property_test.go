package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/google/go-cmp/cmp"
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

var lineErr = regexp.MustCompile(`^classify: line (\d+): `)

// TestMalformedLinesDoNotDisturbOthers mixes valid organizations, malformed
// lines and blank lines, and checks that the output is exactly the output
// for the valid lines alone, that each malformed line is reported under its
// own number, and that the exit status and summary agree.
func TestMalformedLinesDoNotDisturbOthers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "lines")
		var all, valid strings.Builder
		var badLines []int
		var outcomes [migration.Manual + 1]int
		for i := 1; i <= n; i++ {
			switch kind := rapid.IntRange(0, 5).Draw(t, "kind"); {
			case kind == 0:
				all.WriteString("  \n")
			case kind == 1:
				all.WriteString(rapid.SampledFrom(malformed).Draw(t, "malformed") + "\n")
				badLines = append(badLines, i)
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
				valid.Write(append(b, '\n'))
			}
		}

		var out, errOut, wantOut, ignored bytes.Buffer
		code := run(nil, strings.NewReader(all.String()), &out, &errOut)
		run(nil, strings.NewReader(valid.String()), &wantOut, &ignored)

		if diff := cmp.Diff(wantOut.String(), out.String()); diff != "" {
			t.Errorf("stdout (-valid lines alone +mixed):\n%s", diff)
		}
		var reported []int
		for line := range strings.Lines(errOut.String()) {
			if m := lineErr.FindStringSubmatch(line); m != nil {
				k, _ := strconv.Atoi(m[1])
				reported = append(reported, k)
			}
		}
		if diff := cmp.Diff(badLines, reported); diff != "" {
			t.Errorf("lines reported (-want +got):\n%s\nstderr:\n%s", diff, &errOut)
		}
		wantCode := exitOK
		if len(badLines) > 0 {
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
