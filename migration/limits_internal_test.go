package migration

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/names"
)

// TestLimitsMatchNames pins the limits to the ones internal/names states,
// which account applies too.
func TestLimitsMatchNames(t *testing.T) {
	want := limits{teams: names.MaxTeams, teamMembers: names.MaxTeamMembers, users: names.MaxMembers}
	if got := defaultLimits(); got != want {
		t.Errorf("defaultLimits() = %+v, want %+v", got, want)
	}
}

// users returns n distinct users, each with role r.
func users(prefix string, n int, r account.Role) []account.TeamMember {
	out := make([]account.TeamMember, n)
	for i := range out {
		out[i] = account.TeamMember{User: prefix + strconv.Itoa(i), Role: r}
	}
	return out
}

// TestLimitBoundaries classifies organizations exactly at each limit, which
// pass, and one past it, which fail naming the entry that crossed it; the
// limits are small here, so that each boundary is cheap to reach.
func TestLimitBoundaries(t *testing.T) {
	small := limits{teams: 3, teamMembers: 4, users: 6}
	teams := func(n int) []account.Team {
		out := make([]account.Team, n)
		for i := range out {
			out[i] = account.Team{Name: "t" + strconv.Itoa(i)}
		}
		return out
	}
	tests := []struct {
		name     string
		teams    []account.Team
		wantPath string // "" when within the limits
		wantText string
	}{
		{"as many teams as allowed", teams(3), "", ""},
		{"one team too many", teams(4), "teams", "4 teams, more than 3"},
		{"as many team members as allowed", []account.Team{{Name: "a", Members: users("u", 4, account.RoleAdmin)}}, "", ""},
		{"one team member too many", []account.Team{{Name: "a"}, {Name: "b", Members: users("u", 5, account.RoleAdmin)}}, "teams[1].members", "5 members, more than 4"},
		{"as many distinct users as allowed", []account.Team{
			{Name: "a", Members: users("u", 4, account.RoleAdmin)},
			{Name: "b", Members: append(users("u", 2, account.RoleAdmin), users("v", 2, account.RoleCollaborator)...)},
		}, "", ""},
		{"one distinct user too many, a collaborator", []account.Team{
			{Name: "a", Members: users("u", 4, account.RoleAdmin)},
			{Name: "b", Members: append(users("u", 1, account.RoleAdmin), users("v", 3, account.RoleCollaborator)...)},
		}, "teams[1].members[3].user", "more than 6 distinct users"},
		{"users seen again do not count", []account.Team{
			{Name: "a", Members: users("u", 4, account.RoleAdmin)},
			{Name: "b", Members: users("u", 4, account.RoleMember)},
			{Name: "c", Members: users("u", 4, account.RoleViewer)},
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := classify(Organization{Teams: tt.teams}, small)
			if tt.wantPath == "" {
				if err != nil || !d.Outcome.Valid() {
					t.Fatalf("classify = %v, %v; want a decision", d, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("classify = %v, want an error", d)
			}
			pe, ok := errors.AsType[*account.PathError](err)
			if !ok || pe.Path != tt.wantPath || !strings.Contains(err.Error(), tt.wantText) || !errors.Is(err, account.ErrInvalid) {
				t.Errorf("classify: %v; want an ErrInvalid at %s saying %q", err, tt.wantPath, tt.wantText)
			}
		})
	}
}

// TestDecodeArrayLimit decodes arrays at, below and past a small limit:
// past it, the error comes before any element is decoded.
func TestDecodeArrayLimit(t *testing.T) {
	for n := range 6 {
		data := "[" + strings.Repeat(`"x",`, n)
		data = strings.TrimSuffix(data, ",") + "]"
		decoded := 0
		var got []string
		err := decodeArray([]byte(data), &got, 3, func(b []byte, s *string) error {
			decoded++
			return decodeString(b, s)
		})
		switch {
		case n <= 3 && (err != nil || len(got) != n):
			t.Errorf("decodeArray(%s, limit 3) = %q, %v; want %d entries", data, got, err, n)
		case n > 3 && (err == nil || decoded != 0 || !strings.Contains(err.Error(), strconv.Itoa(n)+" entries, more than 3")):
			t.Errorf("decodeArray(%s, limit 3) = %v after decoding %d entries; want the limit's error first", data, err, decoded)
		}
	}
}

// TestQuoteShort checks where error messages cut long input.
func TestQuoteShort(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", `""`},
		{"a\nb", `"a\nb"`},
		{strings.Repeat("x", 64), `"` + strings.Repeat("x", 64) + `"`},
		{strings.Repeat("x", 65), `"` + strings.Repeat("x", 64) + `"…`},
	} {
		if got := quoteShort(tt.in); got != tt.want {
			t.Errorf("quoteShort(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestPathIn places errors under a parent: a *account.PathError keeps its
// path below it, any other error gets the parent as its path.
func TestPathIn(t *testing.T) {
	plain := errors.New("plain")
	if got, ok := errors.AsType[*account.PathError](pathIn(plain, "teams")); !ok || got.Path != "teams" || got.Err != plain {
		t.Errorf("pathIn(plain, teams) = %+v", got)
	}
	inner := &account.PathError{Path: "[2].name", Err: plain}
	if got, ok := errors.AsType[*account.PathError](pathIn(fmt.Errorf("wrapped: %w", inner), "teams")); !ok || got.Path != "teams[2].name" || got.Err != plain {
		t.Errorf("pathIn(wrapped, teams) = %+v", got)
	}
}

// TestDecodeLimits decodes organizations and decisions with small limits:
// each list is checked against its own limit, before its entries. A team's
// roster is decoded by account, which checks it against the real limit
// before its entries (see TestDecodeRosterLimit); a smaller limit is
// checked as Classify checks it, saying the same.
func TestDecodeLimits(t *testing.T) {
	small := limits{teams: 2, teamMembers: 3, users: 4}
	organization := func(b []byte) error { _, err := decodeOrganization(b, small); return err }
	decision := func(b []byte) error { _, err := decodeDecision(b, small); return err }
	list := func(n int, entry func(int) string) string {
		s := make([]string, n)
		for i := range s {
			s[i] = entry(i)
		}
		return "[" + strings.Join(s, ",") + "]"
	}
	user := func(i int) string { return `"u` + strconv.Itoa(i) + `"` }
	team := func(i int) string { return `"t` + strconv.Itoa(i) + `"` }
	member := func(i int) string { return `{"user":"u` + strconv.Itoa(i) + `","role":"admin"}` }
	admin := func(i int) string { return `{"user":"u` + strconv.Itoa(i) + `","teams":["t"]}` }
	tests := []struct {
		name     string
		in       func(n int) string
		dec      func([]byte) error
		limit    int
		wantPath string
		what     string // the entries, in the error past the limit
	}{
		{"teams", func(n int) string {
			return `{"teams":` + list(n, func(i int) string { return `{"name":"t` + strconv.Itoa(i) + `"}` }) + `}`
		}, organization, 2, "teams", "entries"},
		{"members", func(n int) string { return `{"teams":[{"name":"t","members":` + list(n, member) + `}]}` },
			organization, 3, "teams[0].members", "members"},
		{"banner", func(n int) string { return `{"outcome":"manual","banner":` + list(n, user) + `}` },
			decision, 4, "banner", "entries"},
		{"admins", func(n int) string { return `{"outcome":"manual","admins":` + list(n, admin) + `}` },
			decision, 4, "admins", "entries"},
		{"licensed teams", func(n int) string { return `{"outcome":"manual","licensed_teams":` + list(n, team) + `}` },
			decision, 2, "licensed_teams", "entries"},
		{"teams without admin", func(n int) string { return `{"outcome":"manual","teams_without_admin":` + list(n, team) + `}` },
			decision, 2, "teams_without_admin", "entries"},
		{"an admin's teams", func(n int) string {
			return `{"outcome":"manual","admins":[{"user":"u","teams":` + list(n, team) + `}]}`
		},
			decision, 2, "admins[0].teams", "entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.dec([]byte(tt.in(tt.limit))); err != nil {
				t.Fatalf("at the limit, %d entries: %v", tt.limit, err)
			}
			err := tt.dec([]byte(tt.in(tt.limit + 1)))
			var pe *account.PathError
			want := strconv.Itoa(tt.limit+1) + " " + tt.what + ", more than " + strconv.Itoa(tt.limit)
			if !errors.As(err, &pe) || pe.Path != tt.wantPath || !strings.Contains(err.Error(), want) {
				t.Errorf("past the limit: %v; want an error at %s saying %q", err, tt.wantPath, want)
			}
		})
	}
}

// TestDecodeRosterLimit decodes a team listing one user more than an
// account allows: the error names the roster and says what Classify says,
// and comes before any entry is decoded (each entry here is not a team
// member at all).
func TestDecodeRosterLimit(t *testing.T) {
	n := names.MaxTeamMembers + 1
	data := `{"teams":[{"name":"web"},{"name":"ops","members":[` + strings.Repeat("7,", n-1) + "7]}]}"
	var o Organization
	err := o.UnmarshalJSON([]byte(data))
	pe, ok := errors.AsType[*account.PathError](err)
	want := fmt.Sprintf("%d members, more than %d", n, names.MaxTeamMembers)
	if !ok || pe.Path != "teams[1].members" || !strings.Contains(err.Error(), want) || !errors.Is(err, account.ErrInvalid) {
		t.Errorf("UnmarshalJSON: %v; want an ErrInvalid at teams[1].members saying %q", err, want)
	}
}
