package migrationtest_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/migrationtest"
)

// draws is how many organizations the distribution tests draw, with seeds
// 0..draws-1, so that their counts are the same on every run.
const draws = 1000

// TestOrganizationOfShape: every organization of a shape is well-formed and
// classified as the shape says.
func TestOrganizationOfShape(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.SampledFrom(migrationtest.Shapes()).Draw(t, "shape")
		org := migrationtest.OrganizationOf(s).Draw(t, "org")
		d, err := migration.Classify(org)
		if err != nil {
			t.Fatalf("Classify: %v", err)
		}
		outcome, reasons := s.Want()
		if d.Outcome != outcome || !slices.Equal(d.Reasons, reasons) {
			t.Fatalf("shape %v: Classify = %v %v, want %v %v", s, d.Outcome, d.Reasons, outcome, reasons)
		}
	})
}

// TestOrganizationOfReused: one generator, drawn from many times, keeps its
// shape. (A generator that changed its captured shape while drawing a
// public-beta organization once lost the beta on rapid's retries.)
func TestOrganizationOfReused(t *testing.T) {
	for _, s := range migrationtest.Shapes() {
		gen := migrationtest.OrganizationOf(s)
		outcome, reasons := s.Want()
		for seed := range 300 {
			org := gen.Example(seed)
			d, err := migration.Classify(org)
			if err != nil || d.Outcome != outcome || !slices.Equal(d.Reasons, reasons) {
				t.Fatalf("shape %v, seed %d: Classify = %v %v, %v; want %v %v", s, seed, d.Outcome, d.Reasons, err, outcome, reasons)
			}
		}
	}
}

// features names what the distribution test counts in one organization
// and its decision.
func features(org migration.Organization, d migration.Decision) []string {
	f := []string{"outcome " + d.Outcome.String(), fmt.Sprint("reasons ", d.Reasons)}
	for _, r := range d.Reasons {
		f = append(f, "reason "+r.String())
	}
	if len(org.Teams) == 0 {
		f = append(f, "no teams")
	}
	if d.Outcome == migration.Automatic && len(org.Teams) > 1 {
		f = append(f, "automatic with several teams")
	}
	if d.Outcome == migration.Manual && len(d.Banner) == 0 {
		f = append(f, "manual with no banner")
	}
	roles := map[string][]account.Role{}
	for _, tm := range org.Teams {
		if len(tm.Members) == 0 {
			f = append(f, "team with no members")
		}
		if !slices.ContainsFunc(tm.Members, func(m account.TeamMember) bool { return m.Role == account.RoleAdmin }) {
			f = append(f, "team with no admin")
		}
		for _, m := range tm.Members {
			roles[m.User] = append(roles[m.User], m.Role)
		}
	}
	for _, rs := range roles {
		if !slices.ContainsFunc(rs, func(r account.Role) bool { return r.Sees() }) {
			f = append(f, "collaborator-only user")
		}
		if len(rs) > 1 {
			f = append(f, "user in several teams")
		}
	}
	slices.Sort(f)
	return slices.Compact(f)
}

// TestOrganizationDistribution: every outcome, reason, combination of
// reasons and corner case is reached in at least the given share of draws.
func TestOrganizationDistribution(t *testing.T) {
	counts := map[string]int{}
	gen := migrationtest.Organization()
	for seed := range draws {
		org := gen.Example(seed)
		d, err := migration.Classify(org)
		if err != nil {
			t.Fatalf("seed %d: Classify: %v", seed, err)
		}
		for _, f := range features(org, d) {
			counts[f]++
		}
	}
	want := map[string]int{ // percent of draws, at least
		"outcome no-change": 10, "outcome automatic": 20, "outcome manual": 40,
		"reason multiple-licensed-teams": 15, "reason no-universal-admin": 25, "reason no-licensed-team": 15,
		"reasons [multiple-licensed-teams]":                    8,
		"reasons [no-universal-admin]":                         8,
		"reasons [no-licensed-team]":                           8,
		"reasons [multiple-licensed-teams no-universal-admin]": 8,
		"reasons [no-universal-admin no-licensed-team]":        8,
		"automatic with several teams":                         10,
		"team with no members":                                 2,
		"team with no admin":                                   10,
		"collaborator-only user":                               30,
		"user in several teams":                                50,
		"no teams":                                             1,
		"manual with no banner":                                1,
	}
	for k, pct := range want {
		if got := counts[k] * 100 / draws; got < pct {
			t.Errorf("%s: %d%% of draws, want at least %d%%", k, got, pct)
		}
	}
	t.Logf("%v", counts)
}

// TestMalformed: Classify rejects every malformed organization with an
// error that names exactly the entry the generator broke.
func TestMalformed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := migrationtest.MalformedOrganization().Draw(t, "malformed")
		_, err := migration.Classify(m.Organization)
		var pe *account.PathError
		if !errors.Is(err, account.ErrInvalid) || !errors.As(err, &pe) {
			t.Fatalf("%s: Classify error %v, want a *account.PathError wrapping ErrInvalid", m.Defect, err)
		}
		if pe.Path != m.Path {
			t.Fatalf("%s: error names %q, want %q: %v", m.Defect, pe.Path, m.Path, err)
		}
	})
}

func TestMalformedDistribution(t *testing.T) {
	counts := map[string]int{}
	gen := migrationtest.MalformedOrganization()
	for seed := range draws / 2 {
		counts[gen.Example(seed).Defect]++
	}
	// Each kind is drawn equally often: at least 60% of an even share.
	kinds := len(migrationtest.Defects())
	for _, d := range migrationtest.Defects() {
		if counts[d]*kinds*100 < 60*(draws/2) {
			t.Errorf("%s: %d of %d draws, want about 1/%d", d, counts[d], draws/2, kinds)
		}
	}
	if len(counts) != len(migrationtest.Defects()) {
		t.Errorf("defects drawn: %v, want only %v", counts, migrationtest.Defects())
	}
}

func TestShapeNames(t *testing.T) {
	var got []string
	for _, s := range append(migrationtest.Shapes(), 0, 8, 99) {
		got = append(got, s.String())
	}
	want := []string{"beta", "automatic", "multiple-licensed", "no-universal", "no-licensed",
		"multiple-licensed+no-universal", "no-universal+no-licensed", "shape(0)", "shape(?)", "shape(?)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if o, r := migrationtest.Shape(0).Want(); o != 0 || r != nil {
		t.Errorf("Shape(0).Want() = %v, %v; want no decision", o, r)
	}
}
