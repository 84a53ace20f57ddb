// Package migrationtest helps other projects test against package
// migration, using entaccess as the reference oracle: it has generators for
// pgregory.net/rapid that draw organizations shaped to reach every outcome
// of [migration.Classify], every reason and every combination of reasons,
// and malformed organizations with the path of their defect.
//
// [CheckClassifier] checks another classifier against entaccess on a fixed
// corpus of organizations ([Organizations]: every outcome, every reason,
// malformed input) and fails the test once with a report in the form of
// permissiontest.CheckTable's: how many organizations disagree, then the
// first 20 of them, the smallest first, each with the organization as JSON
// and a cmp.Diff of the decisions. A panic in the other classifier counts
// as a disagreement. [ClassifierProperty] is the same comparison as a
// property for rapid.Check, which explores further and shrinks a failure to
// a small organization. Both take a permissiontest.TB, so that they work
// with *testing.T, *testing.B and *rapid.T alike.
//
// A property test of another classifier against entaccess:
//
//	rapid.Check(t, func(t *rapid.T) {
//		org := migrationtest.Organization().Draw(t, "org")
//		want, _ := migration.Classify(org)
//		got, _ := mine.Classify(org)
//		if diff := cmp.Diff(want, got); diff != "" {
//			t.Fatalf("(-want +got):\n%s", diff)
//		}
//	})
//
// The generators are deterministic functions of rapid's random source: with
// the same seed (rapid's -rapid.seed flag, or [rapid.Generator.Example]
// with a seed) they draw the same values.
package migrationtest

import (
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

// The names organizations draw from: few users, so that they share teams
// and universal admins also happen by chance, and names that sort in
// surprising ways (upper case first, a non-ASCII letter, a space, a prefix).
var (
	orgNames  = []string{"acme", "Globex", ""}
	userPool  = []string{"ana", "bo", "cy", "di", "eve", "fay", "Gus", "ana2", "ü", "a b"}
	teamPool  = []string{"web", "ops", "api", "data", "docs", "infra", "Mobile", "web-2"}
	roles     = []account.Role{account.RoleAdmin, account.RoleMember, account.RoleViewer, account.RoleCollaborator}
	nonAdmins = []account.Role{account.RoleMember, account.RoleViewer, account.RoleCollaborator}
)

// A Shape is what an organization drawn by [Organization] is built to be
// classified as: the outcome, and for [migration.Manual] the reasons.
type Shape uint8

// The seven shapes, one per possible classification. MultipleLicensedTeams
// and NoLicensedTeam exclude each other, so these are all there are.
const (
	Beta                        Shape = 1 + iota // public beta: NoChange
	Auto                                         // Automatic
	MultipleLicensed                             // Manual: MultipleLicensedTeams
	NoUniversal                                  // Manual: NoUniversalAdmin
	NoLicensed                                   // Manual: NoLicensedTeam
	MultipleLicensedNoUniversal                  // Manual: MultipleLicensedTeams, NoUniversalAdmin
	NoUniversalNoLicensed                        // Manual: NoUniversalAdmin, NoLicensedTeam
)

var shapeNames = [...]string{"shape(0)", "beta", "automatic", "multiple-licensed", "no-universal",
	"no-licensed", "multiple-licensed+no-universal", "no-universal+no-licensed"}

// Shapes returns the seven shapes in order, as a fresh slice.
func Shapes() []Shape {
	return []Shape{Beta, Auto, MultipleLicensed, NoUniversal, NoLicensed, MultipleLicensedNoUniversal, NoUniversalNoLicensed}
}

// String returns the shape's name, such as "no-universal+no-licensed".
func (s Shape) String() string {
	if int(s) < len(shapeNames) {
		return shapeNames[s]
	}
	return "shape(?)"
}

// Want returns the outcome and reasons [migration.Classify] gives an
// organization of shape s.
func (s Shape) Want() (migration.Outcome, []migration.Reason) {
	switch s {
	case Beta:
		return migration.NoChange, nil
	case Auto:
		return migration.Automatic, nil
	case MultipleLicensed:
		return migration.Manual, []migration.Reason{migration.MultipleLicensedTeams}
	case NoUniversal:
		return migration.Manual, []migration.Reason{migration.NoUniversalAdmin}
	case NoLicensed:
		return migration.Manual, []migration.Reason{migration.NoLicensedTeam}
	case MultipleLicensedNoUniversal:
		return migration.Manual, []migration.Reason{migration.MultipleLicensedTeams, migration.NoUniversalAdmin}
	case NoUniversalNoLicensed:
		return migration.Manual, []migration.Reason{migration.NoUniversalAdmin, migration.NoLicensedTeam}
	}
	return 0, nil
}

// Organization returns a generator of well-formed organizations
// ([migration.Classify] never fails on them) drawn so that every outcome,
// every reason and every combination of reasons is common: it draws a
// [Shape] (automatic twice as often as each other shape) and builds an
// organization of that shape with [OrganizationOf].
func Organization() *rapid.Generator[migration.Organization] {
	return rapid.Custom(func(t *rapid.T) migration.Organization {
		shapes := append(Shapes(), Auto)
		return OrganizationOf(rapid.SampledFrom(shapes).Draw(t, "shape")).Draw(t, "organization")
	})
}

// OrganizationOf returns a generator of well-formed organizations of shape
// s: [Shape.Want] says how [migration.Classify] decides each of them. Within
// the shape they vary: one to five teams (none, sometimes, for the shapes
// without a licensed team), one or two universal admins where the shape has
// one, rosters of up to seven users drawn from a small pool with every role,
// teams without an admin or without members where the shape allows,
// collaborator-only users, and teams and rosters in any order.
// Beta organizations are any of the other shapes in the public beta.
func OrganizationOf(s Shape) *rapid.Generator[migration.Organization] {
	outer := s
	return rapid.Custom(func(t *rapid.T) migration.Organization {
		// rapid may call this function again for the same draw, so it must
		// not change what it captured.
		s := outer
		org := migration.Organization{Name: rapid.SampledFrom(orgNames).Draw(t, "name")}
		if s == Beta {
			org.PublicBeta = true
			s = rapid.SampledFrom(Shapes()[1:]).Draw(t, "beta shape")
		}
		universal := s == Auto || s == MultipleLicensed || s == NoLicensed
		minTeams := 1
		switch s {
		case MultipleLicensed, MultipleLicensedNoUniversal:
			minTeams = 2
		case NoUniversalNoLicensed:
			minTeams = 0
		}
		n := rapid.IntRange(minTeams, 5).Draw(t, "teams")
		names := rapid.SliceOfNDistinct(rapid.SampledFrom(teamPool), n, n, rapid.ID).Draw(t, "team names")

		licensed := make([]bool, n)
		switch s {
		case Auto, NoUniversal:
			licensed[rapid.IntRange(0, n-1).Draw(t, "main team")] = true
		case MultipleLicensed, MultipleLicensedNoUniversal:
			k := rapid.IntRange(2, n).Draw(t, "licensed teams")
			for _, i := range rapid.Permutation(indexes(n)).Draw(t, "licensed order")[:k] {
				licensed[i] = true
			}
		}

		var admins []string
		if universal {
			admins = rapid.SliceOfNDistinct(rapid.SampledFrom(userPool), 1, 2, rapid.ID).Draw(t, "universal admins")
		}
		for i, name := range names {
			team := account.Team{Name: name, Licensed: licensed[i]}
			for _, u := range admins {
				team.Members = append(team.Members, account.TeamMember{User: u, Role: account.RoleAdmin})
			}
			for _, u := range rapid.SliceOfNDistinct(rapid.SampledFrom(userPool), 0, 6, rapid.ID).Draw(t, "roster") {
				if !inRoster(team.Members, u) {
					team.Members = append(team.Members, account.TeamMember{User: u, Role: rapid.SampledFrom(roles).Draw(t, "role")})
				}
			}
			// A contractor who only ever collaborates: never a member, never
			// shown the banner.
			if rapid.IntRange(0, 3).Draw(t, "contractor") == 3 {
				team.Members = append(team.Members, account.TeamMember{User: "contractor", Role: account.RoleCollaborator})
			}
			org.Teams = append(org.Teams, team)
		}
		if !universal {
			dethrone(t, org.Teams)
		}
		for i := range org.Teams {
			org.Teams[i].Members = rapid.Permutation(org.Teams[i].Members).Draw(t, "roster order")
		}
		return org
	})
}

// dethrone takes, from every user who is admin of every team, the admin
// role in one team drawn by t, so that no user is admin of every team.
func dethrone(t *rapid.T, teams []account.Team) {
	if len(teams) == 0 {
		return
	}
	for _, m := range teams[0].Members {
		if m.Role != account.RoleAdmin || !adminOfAll(teams, m.User) {
			continue
		}
		team := &teams[rapid.IntRange(0, len(teams)-1).Draw(t, "dethrone in")]
		for j := range team.Members {
			if team.Members[j].User == m.User {
				team.Members[j].Role = rapid.SampledFrom(nonAdmins).Draw(t, "new role")
			}
		}
	}
}

func adminOfAll(teams []account.Team, user string) bool {
	for _, tm := range teams {
		admin := false
		for _, m := range tm.Members {
			admin = admin || m.User == user && m.Role == account.RoleAdmin
		}
		if !admin {
			return false
		}
	}
	return true
}

func inRoster(members []account.TeamMember, user string) bool {
	for _, m := range members {
		if m.User == user {
			return true
		}
	}
	return false
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
