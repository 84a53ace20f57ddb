package migration_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// classify calls Classify on well-formed input and fails t on error.
func classify(t *rapid.T, org migration.Organization) migration.Decision {
	t.Helper()
	d, err := migration.Classify(org)
	if err != nil {
		t.Fatalf("Classify(well-formed %+v): %v", org, err)
	}
	return d
}

// TestGeneratorReachesEveryOutcome guards the generator's shape: a
// generator that stopped reaching an outcome or a reason would make the
// other properties vacuous.
func TestGeneratorReachesEveryOutcome(t *testing.T) {
	seen := map[string]int{}
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		d := classify(t, org)
		seen[d.Outcome.String()]++
		for _, r := range d.Reasons {
			seen[r.String()]++
		}
		if d.Outcome == migration.Automatic && len(org.Teams) > 1 {
			seen["automatic with several teams"]++
		}
		if len(d.Reasons) > 1 {
			seen["several reasons"]++
		}
	})
	t.Logf("outcomes and reasons in one run: %v", seen)
	// rapid runs 100 cases by default; each kind should show up several times.
	for _, kind := range []string{"no-change", "automatic", "manual", "automatic with several teams", "several reasons",
		"multiple-licensed-teams", "no-universal-admin", "no-licensed-team"} {
		if seen[kind] < 5 {
			t.Errorf("generator reached %q %d times in a run; want at least 5 (all: %v)", kind, seen[kind], seen)
		}
	}
}

func TestDeterministicAndOrderIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		want := classify(t, org)
		if diff := cmp.Diff(want, classify(t, org)); diff != "" {
			t.Fatalf("classifying twice differs (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, classify(t, permuted(t, org))); diff != "" {
			t.Fatalf("classifying with teams and rosters reordered differs (-want +got):\n%s", diff)
		}
	})
}

func TestClassifyLeavesInputAlone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		before := org.Clone()
		d := classify(t, org)
		if diff := cmp.Diff(before, org); diff != "" {
			t.Fatalf("Classify changed its input (-want +got):\n%s", diff)
		}
		// Nor does the plan share memory with the input.
		if d.Account != nil {
			for i := range d.Account.Teams {
				for j := range d.Account.Teams[i].Members {
					d.Account.Teams[i].Members[j].User = "changed"
				}
			}
			if diff := cmp.Diff(before, org); diff != "" {
				t.Fatalf("changing the plan changed the input (-want +got):\n%s", diff)
			}
		}
	})
}

func TestPublicBetaIsAlwaysNoChange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		org.PublicBeta = true
		if diff := cmp.Diff(migration.Decision{Outcome: migration.NoChange}, classify(t, org)); diff != "" {
			t.Fatalf("public beta organization (-want +got):\n%s", diff)
		}
	})
}

func TestReasonsAreExactlyThoseThatApply(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		org.PublicBeta = false
		d := classify(t, org)
		want := refReasons(org)
		if diff := cmp.Diff(want, d.Reasons); diff != "" {
			t.Fatalf("reasons (-want +got):\n%s", diff)
		}
		if !slices.IsSorted(d.Reasons) || len(slices.Compact(slices.Clone(d.Reasons))) != len(d.Reasons) {
			t.Fatalf("reasons %v are not sorted without repeats", d.Reasons)
		}
		wantOutcome := migration.Automatic
		if len(want) > 0 {
			wantOutcome = migration.Manual
		}
		if d.Outcome != wantOutcome {
			t.Fatalf("outcome = %s, want %s for reasons %v", d.Outcome, wantOutcome, want)
		}
	})
}

func TestManualDetails(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		org.PublicBeta = false
		d := classify(t, org)
		if d.Outcome != migration.Manual {
			if d.LicensedTeams != nil || d.Admins != nil || d.TeamsWithoutAdmin != nil {
				t.Fatalf("%s decision carries manual details: %+v", d.Outcome, d)
			}
			return
		}
		if diff := cmp.Diff(refLicensed(org), d.LicensedTeams); diff != "" {
			t.Fatalf("licensed teams (-want +got):\n%s", diff)
		}
		var wantAdmins []migration.AdminOf
		var wantOrphans []string
		if slices.Contains(d.Reasons, migration.NoUniversalAdmin) {
			for _, u := range allUsers(org) {
				var teams []string
				for _, tm := range org.Teams {
					if roleIn(tm, u) == account.RoleAdmin {
						teams = append(teams, tm.Name)
					}
				}
				if teams != nil {
					slices.Sort(teams)
					wantAdmins = append(wantAdmins, migration.AdminOf{User: u, Teams: teams})
				}
			}
			for _, tm := range org.Teams {
				if !slices.ContainsFunc(tm.Members, func(m account.TeamMember) bool { return m.Role == account.RoleAdmin }) {
					wantOrphans = append(wantOrphans, tm.Name)
				}
			}
			slices.Sort(wantOrphans)
		}
		if diff := cmp.Diff(wantAdmins, d.Admins); diff != "" {
			t.Fatalf("admins (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantOrphans, d.TeamsWithoutAdmin); diff != "" {
			t.Fatalf("teams without admin (-want +got):\n%s", diff)
		}
		if got := d.Fixes(); len(got) != len(d.Reasons) {
			t.Fatalf("Fixes() has %d sentences for %d reasons: %q", len(got), len(d.Reasons), got)
		}
	})
}

func TestAutomaticPlanIsAValidAccountAsTheRulesSay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		org.PublicBeta = false
		d := classify(t, org)
		if d.Outcome != migration.Automatic {
			if d.Account != nil {
				t.Fatalf("%s decision has an account: %+v", d.Outcome, d.Account)
			}
			return
		}
		if d.Reasons != nil || d.Banner != nil {
			t.Fatalf("automatic decision has reasons %v or banner %v", d.Reasons, d.Banner)
		}
		acct, err := account.New(*d.Account)
		if err != nil {
			t.Fatalf("account.New(plan) = %v; plan %+v", err, *d.Account)
		}
		// The plan is already in canonical order.
		if diff := cmp.Diff(*d.Account, acct.Spec()); diff != "" {
			t.Fatalf("plan is not in canonical order (-plan +account.Spec()):\n%s", diff)
		}
		licensed := refLicensed(org)
		if d.Account.Name != licensed[0] {
			t.Fatalf("account name %q, want the licensed team %q", d.Account.Name, licensed[0])
		}
		var wantMembers []account.Member
		for _, u := range refAudience(org) {
			p := permission.View
			if adminOfEvery(org, u) {
				p = permission.Admin
			}
			wantMembers = append(wantMembers, account.Member{User: u, Permissions: p})
		}
		if diff := cmp.Diff(wantMembers, d.Account.Members); diff != "" {
			t.Fatalf("members (-want +got):\n%s", diff)
		}
		// Every team carried over unchanged, and nothing else.
		var wantTeams []account.Team
		for _, tm := range org.Teams {
			wantTeams = append(wantTeams, sortedTeam(tm))
		}
		slices.SortFunc(wantTeams, func(a, b account.Team) int { return strings.Compare(a.Name, b.Name) })
		if diff := cmp.Diff(wantTeams, d.Account.Teams); diff != "" {
			t.Fatalf("teams (-want +got):\n%s", diff)
		}
		for _, u := range allUsers(org) {
			if !hasSeeingRole(org, u) && acct.IsMember(u) {
				t.Fatalf("collaborator-only user %q became a member", u)
			}
		}
	})
}

// TestAutomaticPlanTeamsHaveMemberAdmins: in every automatic plan, read as
// plain data, each team has an admin who is a planned account member, and
// only planned members hold the admin, member and viewer roles, so that
// every team of the new account can be managed.
func TestAutomaticPlanTeamsHaveMemberAdmins(t *testing.T) {
	plans := 0
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		org.PublicBeta = false
		d := classify(t, org)
		if d.Outcome != migration.Automatic {
			return
		}
		plans++
		members := map[string]bool{}
		for _, m := range d.Account.Members {
			members[m.User] = true
		}
		for _, tm := range d.Account.Teams {
			admin := false
			for _, m := range tm.Members {
				switch m.Role {
				case account.RoleAdmin, account.RoleMember, account.RoleViewer:
					if !members[m.User] {
						t.Fatalf("team %q: %q holds the %v role but is not a planned member", tm.Name, m.User, m.Role)
					}
				}
				admin = admin || m.Role == account.RoleAdmin && members[m.User]
			}
			if !admin {
				t.Fatalf("team %q has no admin who is a planned member: %+v", tm.Name, tm.Members)
			}
		}
	})
	if plans == 0 {
		t.Errorf("no automatic plan was drawn: the property was never checked")
	}
}

func TestNoEscalation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		org.PublicBeta = false
		d := classify(t, org)
		if d.Outcome != migration.Automatic {
			return
		}
		acct, err := account.New(*d.Account)
		if err != nil {
			t.Fatalf("account.New(plan) = %v", err)
		}
		for _, m := range d.Account.Members {
			var had []string
			for _, tm := range org.Teams {
				if roleIn(tm, m.User).Sees() {
					had = append(had, tm.Name)
				}
			}
			slices.Sort(had)
			for _, tm := range org.Teams {
				if acct.CanViewTeam(m.User, tm.Name) && !slices.Contains(had, tm.Name) {
					t.Fatalf("%q can view team %q after the move but had no role in it", m.User, tm.Name)
				}
			}
			if got := acct.TeamsOf(m.User); !isSubset(got, had) {
				t.Fatalf("%q can view %v after the move, not a subset of %v", m.User, got, had)
			}
		}
	})
}

func isSubset(small, big []string) bool {
	for _, s := range small {
		if !slices.Contains(big, s) {
			return false
		}
	}
	return true
}

func TestBannerAudience(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		d := classify(t, org)
		if d.Outcome != migration.Manual {
			if d.Banner != nil {
				t.Fatalf("%s decision has a banner: %v", d.Outcome, d.Banner)
			}
			return
		}
		if diff := cmp.Diff(refAudience(org), d.Banner); diff != "" {
			t.Fatalf("banner (-want +got):\n%s", diff)
		}
	})
}

func TestAddingASecondLicensedTeamNeverMakesItAutomatic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		org.PublicBeta = false
		if len(refLicensed(org)) == 0 {
			t.Skip("no licensed team to add a second to")
		}
		before := classify(t, org)
		// Either license a team that was not, or add a new licensed team
		// whose roster may be anyone, even every universal admin.
		var unlicensed []int
		for i, tm := range org.Teams {
			if !tm.Licensed {
				unlicensed = append(unlicensed, i)
			}
		}
		after := org.Clone()
		if len(unlicensed) > 0 && rapid.Bool().Draw(t, "license existing") {
			after.Teams[rapid.SampledFrom(unlicensed).Draw(t, "team")].Licensed = true
		} else {
			extra := account.Team{Name: "extra-licensed", Licensed: true}
			for _, u := range allUsers(org) {
				if rapid.Bool().Draw(t, "admin of extra") {
					extra.Members = append(extra.Members, account.TeamMember{User: u, Role: account.RoleAdmin})
				}
			}
			after.Teams = append(after.Teams, extra)
		}
		got := classify(t, after)
		if got.Outcome == migration.Automatic || !slices.Contains(got.Reasons, migration.MultipleLicensedTeams) {
			t.Fatalf("second licensed team: %s (was %s), want manual with multiple-licensed-teams", got, before)
		}
		if before.Outcome == migration.Manual && got.Outcome != migration.Manual {
			t.Fatalf("manual became %s", got.Outcome)
		}
	})
}

func TestRemovingAUniversalAdminRoleNeverMakesItAutomatic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		org.PublicBeta = false
		var universal []string
		for _, u := range allUsers(org) {
			if adminOfEvery(org, u) {
				universal = append(universal, u)
			}
		}
		if len(universal) == 0 {
			t.Skip("no universal admin")
		}
		before := classify(t, org)
		u := rapid.SampledFrom(universal).Draw(t, "user")
		after := org.Clone()
		i := rapid.IntRange(0, len(after.Teams)-1).Draw(t, "team")
		members := after.Teams[i].Members
		j := slices.IndexFunc(members, func(m account.TeamMember) bool { return m.User == u })
		if rapid.Bool().Draw(t, "drop") {
			after.Teams[i].Members = slices.Delete(members, j, j+1)
		} else {
			members[j].Role = rapid.SampledFrom(roles[1:]).Draw(t, "new role")
		}
		got := classify(t, after)
		if before.Outcome == migration.Manual && got.Outcome != migration.Manual {
			t.Fatalf("manual became %s after %q lost admin of %q", got.Outcome, u, org.Teams[i].Name)
		}
		if len(universal) == 1 && got.Outcome == migration.Automatic {
			t.Fatalf("the only universal admin %q lost admin of %q, yet %s", u, org.Teams[i].Name, got)
		}
	})
}

func TestDecisionJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		d := classify(t, org)
		data, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("json.Marshal(%v): %v", d, err)
		}
		var back migration.Decision
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", data, err)
		}
		if diff := cmp.Diff(d, back); diff != "" {
			t.Fatalf("decision JSON round trip of %s (-want +got):\n%s", data, diff)
		}
	})
}

func TestOrganizationJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org")
		data, err := json.Marshal(org)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		var back migration.Organization
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", data, err)
		}
		if diff := cmp.Diff(org, back); diff != "" {
			t.Fatalf("organization JSON round trip of %s (-want +got):\n%s", data, diff)
		}
	})
}

// TestMalformedIsAnErrorEvenInTheBeta injects one defect into a generated
// organization and checks that Classify reports it, by path, before
// looking at the public beta flag.
func TestMalformedIsAnErrorEvenInTheBeta(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		org := genOrganization().Draw(t, "org").Clone()
		if len(org.Teams) == 0 {
			org.Teams = []account.Team{{Name: "only"}}
		}
		i := rapid.IntRange(0, len(org.Teams)-1).Draw(t, "team")
		team := &org.Teams[i]
		var wantPath string
		switch defect := rapid.IntRange(0, 4).Draw(t, "defect"); defect {
		case 0:
			team.Name = ""
			wantPath = teamField(i, "name")
		case 1:
			if len(org.Teams) < 2 {
				org.Teams = append(org.Teams, account.Team{Name: team.Name})
				i = 1
			} else {
				j := rapid.IntRange(0, len(org.Teams)-1).Filter(func(j int) bool { return j != i }).Draw(t, "other")
				org.Teams[max(i, j)].Name = org.Teams[min(i, j)].Name
				i = max(i, j)
			}
			wantPath = teamField(i, "name")
		case 2, 3, 4:
			team.Members = append(team.Members, account.TeamMember{User: "new", Role: account.RoleViewer})
			j := rapid.IntRange(0, len(team.Members)-1).Draw(t, "member")
			switch defect {
			case 2:
				team.Members[j].User = ""
				wantPath = memberField(i, j, "user")
			case 3:
				team.Members[j].Role = account.Role(rapid.SampledFrom([]int{0, 5, 255}).Draw(t, "role"))
				wantPath = memberField(i, j, "role")
			case 4:
				team.Members = append(team.Members, team.Members[j])
				wantPath = memberField(i, len(team.Members)-1, "user")
			}
		}
		org.PublicBeta = rapid.Bool().Draw(t, "beta")
		d, err := migration.Classify(org)
		if err == nil {
			t.Fatalf("Classify(malformed) = %v, want an error at %s", d, wantPath)
		}
		if !errors.Is(err, account.ErrInvalid) {
			t.Fatalf("error %v does not wrap account.ErrInvalid", err)
		}
		var pe *account.PathError
		if !errors.As(err, &pe) || pe.Path != wantPath {
			t.Fatalf("error %v: path %v, want %s", err, pe, wantPath)
		}
		if diff := cmp.Diff(migration.Decision{}, d); diff != "" {
			t.Fatalf("decision alongside an error (-want +got):\n%s", diff)
		}
	})
}

// TestClassifyConcurrently classifies one organization from many goroutines
// at once: Classify keeps no state and only reads its input (run with -race).
func TestClassifyConcurrently(t *testing.T) {
	o := org(
		team("web", true, "ana", "admin", "bo", "member", "cy", "collaborator"),
		team("ops", false, "ana", "admin", "di", "viewer"),
	)
	want, err := migration.Classify(o)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				got, err := migration.Classify(o)
				if err != nil {
					t.Error(err)
					return
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("concurrent Classify (-want +got):\n%s", diff)
					return
				}
			}
		})
	}
	wg.Wait()
}
