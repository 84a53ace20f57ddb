package migrationtest_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/report/reporttest"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/migrationtest"
	"github.com/entaccess/entaccess/permission"
)

func TestCheckClassifier(t *testing.T) {
	wrap := func(change func(*migration.Decision, migration.Organization) error) func(migration.Organization) (migration.Decision, error) {
		return func(org migration.Organization) (migration.Decision, error) {
			d, err := migration.Classify(org)
			if err != nil {
				return d, err
			}
			return d, change(&d, org)
		}
	}
	for _, tc := range []struct {
		name     string
		classify func(migration.Organization) (migration.Decision, error)
		bad      bool
		lines    []string
	}{
		{"entaccess", migration.Classify, false, nil},
		{"empty slices and no details", wrap(func(d *migration.Decision, _ migration.Organization) error {
			if d.Reasons == nil {
				d.Reasons = []migration.Reason{}
			}
			if d.Banner == nil {
				d.Banner = []string{}
			}
			d.LicensedTeams, d.Admins, d.TeamsWithoutAdmin = nil, nil, nil
			return nil
		}), false, nil},
		{"forgets no-licensed-team", wrap(func(d *migration.Decision, _ migration.Organization) error {
			d.Reasons = slices.DeleteFunc(d.Reasons, func(r migration.Reason) bool { return r == migration.NoLicensedTeam })
			return nil
		}), true, []string{"decision (-want +got):", `s"no-licensed-team"`, `{"name":"no teams","public_beta":false,"teams":null}`}},
		{"banner for collaborators", wrap(func(d *migration.Decision, org migration.Organization) error {
			if d.Outcome != migration.Manual {
				return nil
			}
			for _, tm := range org.Teams {
				for _, m := range tm.Members {
					if !slices.Contains(d.Banner, m.User) {
						d.Banner = append(d.Banner, m.User)
					}
				}
			}
			slices.Sort(d.Banner)
			return nil
		}), true, []string{"Banner: []string{", `"contractor",`}},
		{"every member an admin", wrap(func(d *migration.Decision, _ migration.Organization) error {
			if d.Account != nil {
				for i := range d.Account.Members {
					d.Account.Members[i].Permissions = permission.Admin
				}
			}
			return nil
		}), true, []string{"Account: &account.Spec{", "Permissions:"}},
		{"no plan", wrap(func(d *migration.Decision, _ migration.Organization) error {
			d.Account = nil
			return nil
		}), true, []string{"Account: &account.Spec{"}},
		{"never an error", func(org migration.Organization) (migration.Decision, error) {
			d, _ := migration.Classify(org)
			return d, nil
		}, true, []string{`{"name":"beta, malformed","public_beta":true,"teams":[{"name":"web","licensed":false,"members":null},{"name":"web","licensed":false,"members":null}]}`,
			"accepts a malformed organization; entaccess: migration: classify \"beta, malformed\": teams[1].name: team \"web\" repeated (first at teams[0]): invalid; got: no decision (outcome(0))"}},
		{"wrong path", func(org migration.Organization) (migration.Decision, error) {
			d, err := migration.Classify(org)
			if err != nil {
				return d, &account.PathError{Path: "teams", Err: account.ErrInvalid}
			}
			return d, nil
		}, true, []string{`rejects it naming "teams", want "teams[1].name": account: teams: invalid`}},
		{"rejects good input", func(org migration.Organization) (migration.Decision, error) {
			d, err := migration.Classify(org)
			if err == nil && len(org.Teams) > 4 {
				return migration.Decision{}, errors.New("too many teams")
			}
			return d, err
		}, true, []string{"rejects a well-formed organization: too many teams; entaccess: "}},
		{"panics", func(org migration.Organization) (migration.Decision, error) { panic("boom") }, true, []string{"classify panics: boom"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f reporttest.T
			want := 0
			if tc.bad {
				want = -1
			}
			reporttest.Expect(t, &f, migrationtest.CheckClassifier(&f, tc.classify), want, tc.lines...)
		})
	}
}

// TestOrganizationsCorpus: the corpus reaches every outcome, every reason
// and malformed input, and is the same on every call.
func TestOrganizationsCorpus(t *testing.T) {
	orgs := migrationtest.Organizations()
	if want := 4 + migrationtest.GeneratedOrganizations + migrationtest.MalformedOrganizations; len(orgs) != want {
		t.Errorf("%d organizations, want %d", len(orgs), want)
	}
	seen := map[string]int{}
	for _, org := range orgs {
		d, err := migration.Classify(org)
		if err != nil {
			seen["error"]++
			continue
		}
		seen[fmt.Sprint(d.Outcome, d.Reasons)]++
	}
	for _, k := range []string{"error", "no-change []", "automatic []", "manual [multiple-licensed-teams]", "manual [no-universal-admin]",
		"manual [no-licensed-team]", "manual [multiple-licensed-teams no-universal-admin]", "manual [no-universal-admin no-licensed-team]"} {
		if seen[k] < 20 {
			t.Errorf("%s: %d organizations, want at least 20", k, seen[k])
		}
	}
	if fmt.Sprint(orgs) != fmt.Sprint(migrationtest.Organizations()) {
		t.Errorf("Organizations differs between calls")
	}
}

func TestClassifierProperty(t *testing.T) {
	rapid.Check(t, migrationtest.ClassifierProperty(migration.Classify))
	got := reporttest.Failing(t, migrationtest.ClassifierProperty(func(o migration.Organization) (migration.Decision, error) {
		d, err := migration.Classify(o)
		if err == nil && d.Outcome == migration.NoChange {
			d.Outcome = migration.Manual
		}
		return d, err
	}))
	for _, want := range []string{"migrationtest: classify disagrees with entaccess on", `"public_beta":true`, "decision (-want +got):"} {
		if !strings.Contains(got, want) {
			t.Errorf("rapid reported:\n%s\nwant it to contain %q", got, want)
		}
	}
}
