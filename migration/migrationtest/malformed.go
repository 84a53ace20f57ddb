package migrationtest

import (
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

// A Malformed is an organization with exactly one defect, which
// [migration.Classify] must reject with an error naming Path.
type Malformed struct {
	Organization migration.Organization
	Defect       string // what is wrong: one of [Defects]
	Path         string // the offending entry, as in "teams[1].members[0].role"
}

// Defects returns the kinds of defect [MalformedOrganization] draws, as a
// fresh slice: an empty team name, a repeated team name, an empty user, a
// user listed twice in one team, a role outside the four, and a team or user
// name that breaks the name rules of [account.New]. The bad names drawn
// break them in the commonest ways: white space at either end, a control
// character, invalid UTF-8, more than 256 bytes. (The rules also forbid
// invisible format characters, private-use characters and noncharacters.)
func Defects() []string {
	return []string{"empty team name", "repeated team name", "empty user", "repeated user", "invalid role", "bad team name", "bad user name"}
}

// badNames break the name rules, one way each.
var badNames = []string{" web", "web ", "\u00a0web", "we\x00b", "we\nb", "w\xffb", strings.Repeat("a", 257)}

var badRoles = []account.Role{0, account.RoleCollaborator + 1, 0xff}

// MalformedOrganization returns a generator of organizations drawn by
// [Organization] with one defect put in at a drawn place, each kind of
// [Defects] equally often. Classify checks form before anything else, so
// the organization's shape does not matter, and with one defect there is
// exactly one entry the error can name.
func MalformedOrganization() *rapid.Generator[Malformed] {
	return rapid.Custom(func(t *rapid.T) Malformed {
		org := Organization().Draw(t, "organization").Clone()
		if len(org.Teams) == 0 {
			org.Teams = []account.Team{{Name: "web", Members: []account.TeamMember{{User: "ana", Role: account.RoleAdmin}}}}
		}
		m := Malformed{Defect: rapid.SampledFrom(Defects()).Draw(t, "defect")}
		at := func(i int) string { return "teams[" + strconv.Itoa(i) + "]" }
		switch m.Defect {
		case "empty team name", "bad team name":
			i := rapid.IntRange(0, len(org.Teams)-1).Draw(t, "team")
			org.Teams[i].Name = ""
			if m.Defect == "bad team name" {
				org.Teams[i].Name = rapid.SampledFrom(badNames).Draw(t, "bad name")
			}
			m.Path = at(i) + ".name"
		case "repeated team name":
			if len(org.Teams) == 1 {
				org.Teams = append(org.Teams, account.Team{Name: "other"})
			}
			j := rapid.IntRange(1, len(org.Teams)-1).Draw(t, "repeat")
			i := rapid.IntRange(0, j-1).Draw(t, "first")
			org.Teams[j].Name = org.Teams[i].Name
			m.Path = at(j) + ".name"
		default:
			i := rapid.IntRange(0, len(org.Teams)-1).Draw(t, "team")
			team := &org.Teams[i]
			if len(team.Members) == 0 {
				team.Members = append(team.Members, account.TeamMember{User: "ana", Role: account.RoleMember})
			}
			if m.Defect == "repeated user" && len(team.Members) == 1 {
				team.Members = append(team.Members, account.TeamMember{User: "other", Role: rapid.SampledFrom(roles).Draw(t, "role")})
			}
			k := rapid.IntRange(0, len(team.Members)-1).Draw(t, "member")
			if m.Defect == "repeated user" && k == 0 {
				k = 1
			}
			m.Path = at(i) + ".members[" + strconv.Itoa(k) + "]"
			switch m.Defect {
			case "empty user":
				team.Members[k].User = ""
				m.Path += ".user"
			case "bad user name":
				team.Members[k].User = rapid.SampledFrom(badNames).Draw(t, "bad name")
				m.Path += ".user"
			case "repeated user":
				team.Members[k].User = team.Members[rapid.IntRange(0, k-1).Draw(t, "first")].User
				m.Path += ".user"
			case "invalid role":
				team.Members[k].Role = rapid.SampledFrom(badRoles).Draw(t, "bad role")
				m.Path += ".role"
			}
		}
		m.Organization = org
		return m
	})
}
