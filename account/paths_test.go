package account_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// wideSpec returns a valid spec of n members, all in one team, with a
// second team of one admin: indices past 100, where formatting a number
// allocates, at every level of the spec.
func wideSpec(n int) account.Spec {
	s := account.Spec{Name: "wide"}
	web := account.Team{Name: "web"}
	for i := range n {
		u := fmt.Sprintf("user%05d", i)
		p := permission.Set(0)
		role := account.RoleMember
		if i == 0 {
			p, role = permission.Admin, account.RoleAdmin
		}
		s.Members = append(s.Members, account.Member{User: u, Permissions: p})
		web.Members = append(web.Members, account.TeamMember{User: u, Role: role})
	}
	s.Teams = []account.Team{web, {Name: "ops", Members: []account.TeamMember{{User: "user00000", Role: account.RoleAdmin}}}}
	return s
}

// TestNewAllocationsDoNotGrowWithEntries checks that New formats no path
// for an entry that is valid: its allocations are its maps and teams, not
// some per member or per team member.
func TestNewAllocationsDoNotGrowWithEntries(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	allocs := func(n int) float64 {
		spec := wideSpec(n)
		return testing.AllocsPerRun(5, func() { sinkAccount = mustNew(t, spec) })
	}
	small, large := allocs(200), allocs(2200)
	// 2,000 more members and 2,000 more team members: a path or two for
	// each would be thousands of allocations. The maps' storage may take a
	// few more.
	if large-small > 50 {
		t.Errorf("New allocates %v times for 200 members and %v for 2,200: it allocates per entry", small, large)
	}
}

// TestNewPathsAtLargeIndices checks the path of an error at indices of
// several digits, at each level of the spec.
func TestNewPathsAtLargeIndices(t *testing.T) {
	const n = 1234
	tests := []struct {
		path   string
		change func(s *account.Spec)
	}{
		{"members[1000].user", func(s *account.Spec) { s.Members[1000].User = "" }},
		{"members[1233].user", func(s *account.Spec) { s.Members[1233].User = s.Members[7].User }},
		{"members[101].permissions", func(s *account.Spec) { s.Members[101].Permissions = 1 << 7 }},
		{"teams[0].members[1000].user", func(s *account.Spec) { s.Teams[0].Members[1000].User = " x" }},
		{"teams[0].members[1233].user", func(s *account.Spec) { s.Teams[0].Members[1233].User = s.Teams[0].Members[12].User }},
		{"teams[0].members[999].role", func(s *account.Spec) { s.Teams[0].Members[999].Role = 9 }},
		{"teams[0].members[100].user", func(s *account.Spec) { s.Teams[0].Members[100].User = "stranger" }},
		{"teams[1].name", func(s *account.Spec) { s.Teams[1].Name = "web" }},
		{"teams[1]", func(s *account.Spec) { s.Teams[1].Members[0].Role = account.RoleMember }},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			spec := wideSpec(n)
			tt.change(&spec)
			a, err := account.New(spec)
			var pe *account.PathError
			if !errors.As(err, &pe) || pe.Path != tt.path || !errors.Is(err, account.ErrInvalid) {
				t.Fatalf("New = %v, %v; want a *PathError at %s wrapping ErrInvalid", a, err, tt.path)
			}
			if a != nil {
				t.Errorf("New returned an account with its error")
			}
		})
	}
}
