package migrationtest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/report"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission/permissiontest"
)

// The size of the corpus [CheckClassifier] and [Organizations] use.
const (
	GeneratedOrganizations = 400 // drawn by Organization
	MalformedOrganizations = 100 // drawn by MalformedOrganization
)

// Organizations returns the corpus [CheckClassifier] classifies, the same
// on every call: a few corner cases written out (no teams, an empty team, a
// public-beta organization with a malformed entry), then
// [GeneratedOrganizations] organizations drawn by [Organization] and
// [MalformedOrganizations] drawn by [MalformedOrganization], with the seeds
// 0, 1, 2 and so on.
func Organizations() []migration.Organization {
	admin := func(u string) account.TeamMember { return account.TeamMember{User: u, Role: account.RoleAdmin} }
	orgs := []migration.Organization{
		{Name: "no teams"},
		{Name: "one empty team", Teams: []account.Team{{Name: "web", Licensed: true}}},
		{Name: "one team", Teams: []account.Team{{Name: "web", Licensed: true, Members: []account.TeamMember{admin("ana")}}}},
		{Name: "beta, malformed", PublicBeta: true, Teams: []account.Team{{Name: "web"}, {Name: "web"}}},
	}
	gen := Organization()
	for seed := range GeneratedOrganizations {
		orgs = append(orgs, gen.Example(seed))
	}
	bad := MalformedOrganization()
	for seed := range MalformedOrganizations {
		orgs = append(orgs, bad.Example(seed).Organization)
	}
	return orgs
}

// decisionDiff compares the fields of a Decision that decide the
// migration: Outcome, Reasons, Account and Banner. A nil slice equals an empty one.
var decisionDiff = []gocmp.Option{
	cmpopts.IgnoreFields(migration.Decision{}, "LicensedTeams", "Admins", "TeamsWithoutAdmin"),
	cmpopts.EquateEmpty(),
}

// CheckClassifier checks classify, another implementation of
// [migration.Classify], against entaccess on the corpus of
// [Organizations].
//
// For a well-formed organization, classify must return no error and the
// same Decision in the fields that decide the migration: Outcome, Reasons
// (ascending), Account (in canonical order) and Banner (sorted). Nil and
// empty slices are equal, and the fields that only help support
// (LicensedTeams, Admins, TeamsWithoutAdmin) are not compared. For a malformed one, classify must
// return an error; when that error holds an [*account.PathError]
// ([errors.As]), its Path must name the same entry as entaccess's.
//
// It fails t once, listing the first 20 disagreements, the smallest
// organizations first, each with the organization as JSON and a
// cmp.Diff(want, got), and counting the rest, and returns their number.
func CheckClassifier(t permissiontest.TB, classify func(migration.Organization) (migration.Decision, error)) int {
	t.Helper()
	type disagreement struct {
		size int
		text string
	}
	var found []disagreement
	orgs := Organizations()
	for _, org := range orgs {
		if what := compareClassify(org, classify); what != "" {
			found = append(found, disagreement{orgSize(org), orgText(org) + "\n" + what})
		}
	}
	slices.SortStableFunc(found, func(a, b disagreement) int { return cmp.Compare(a.size, b.size) })
	r := report.Report{Prefix: "migrationtest", Check: "CheckClassifier", Cases: len(orgs)}
	for _, d := range found {
		r.Add("%s", d.text)
	}
	return r.Done(t)
}

// compareClassify classifies org with entaccess and with classify, and
// says how classify disagrees, or returns "".
func compareClassify(org migration.Organization, classify func(migration.Organization) (migration.Decision, error)) string {
	want, wantErr := migration.Classify(org)
	type result struct {
		d   migration.Decision
		err error
	}
	res, p := report.Call(func() result {
		d, err := classify(org.Clone())
		return result{d, err}
	})
	switch {
	case p != nil:
		return fmt.Sprintf("classify panics: %v", p)
	case wantErr != nil && res.err == nil:
		return fmt.Sprintf("accepts a malformed organization; entaccess: %v; got: %v", wantErr, res.d)
	case wantErr != nil:
		var wp, gp *account.PathError
		if errors.As(wantErr, &wp) && errors.As(res.err, &gp) && wp.Path != gp.Path {
			return fmt.Sprintf("rejects it naming %q, want %q: %v", gp.Path, wp.Path, res.err)
		}
	case res.err != nil:
		return fmt.Sprintf("rejects a well-formed organization: %v; entaccess: %v", res.err, want)
	case sameDecision(want, res.d):
	default:
		if diff := gocmp.Diff(want, res.d, decisionDiff...); diff != "" {
			return "decision (-want +got):\n" + strings.TrimRight(diff, "\n")
		}
	}
	return ""
}

// sameDecision reports whether x and y agree in the fields decisionDiff
// compares: a fast path, since cmp.Diff costs far more than Classify.
func sameDecision(x, y migration.Decision) bool {
	if x.Outcome != y.Outcome || !slices.Equal(x.Reasons, y.Reasons) || !slices.Equal(x.Banner, y.Banner) || (x.Account == nil) != (y.Account == nil) {
		return false
	}
	if x.Account == nil {
		return true
	}
	a, b := x.Account, y.Account
	return a.Name == b.Name && slices.Equal(a.Members, b.Members) && slices.EqualFunc(a.Teams, b.Teams, func(s, t account.Team) bool {
		return s.Name == t.Name && s.Licensed == t.Licensed && slices.Equal(s.Members, t.Members)
	})
}

// ClassifierProperty returns a property for [rapid.Check]: on an
// organization drawn by [Organization] (or, one time in four,
// [MalformedOrganization]), classify agrees with entaccess as
// [CheckClassifier] requires. rapid shrinks a failure to a small
// organization and prints it.
func ClassifierProperty(classify func(migration.Organization) (migration.Decision, error)) func(*rapid.T) {
	return func(t *rapid.T) {
		var org migration.Organization
		if rapid.IntRange(0, 3).Draw(t, "malformed") == 3 {
			org = MalformedOrganization().Draw(t, "organization").Organization
		} else {
			org = Organization().Draw(t, "organization")
		}
		if what := compareClassify(org, classify); what != "" {
			t.Errorf("migrationtest: classify disagrees with entaccess on\n%s\n%s", orgText(org), what)
		}
	}
}

// orgText writes org as JSON, or with %+v when it has no JSON form (a role
// outside the four).
func orgText(org migration.Organization) string {
	if b, err := json.Marshal(org); err == nil {
		return string(b)
	}
	return fmt.Sprintf("%+v", org)
}

func orgSize(o migration.Organization) int {
	n := len(o.Teams)
	for _, tm := range o.Teams {
		n += len(tm.Members)
	}
	return n
}
