package account

import (
	"strconv"
	"testing"

	"github.com/entaccess/entaccess/permission"
)

// TestTxReadsAreRight checks that a Tx's content answers every query
// right after each step, filter included, on an account large enough to
// carry an overlay: the Tx holds no derived data that lags behind. Reads
// through an Account made of the Tx's content, without sealing or sharing
// it, must agree with the steps taken.
func TestTxReadsAreRight(t *testing.T) {
	const n = 3000
	spec := Spec{Name: "a", Members: []Member{{User: "boss", Permissions: permission.Admin}},
		Teams: []Team{{Name: "web", Members: []TeamMember{{User: "boss", Role: RoleAdmin}}}}}
	for i := 1; i < n; i++ {
		spec.Members = append(spec.Members, Member{User: "u" + strconv.Itoa(i), Permissions: permission.View})
	}
	s := NewStore(mustNewInternal(t, spec))
	SetCompactAt(s, 1000)
	// Give the published snapshot an overlay, so that the Tx starts from one.
	if _, err := s.Update(func(tx *Tx) error { return tx.SetPermissions("boss", "u1", permission.Manage) }); err != nil {
		t.Fatal(err)
	}
	if m, _ := OverlaySize(s.Load()); m == 0 {
		t.Fatal("the snapshot has no overlay")
	}
	_, err := s.Update(func(tx *Tx) error {
		view := func() *Account { return &Account{content: tx.content} }
		steps := []struct {
			name  string
			step  func() error
			check func(a *Account) bool
		}{
			{"u1 loses manage", func() error { return tx.SetPermissions("boss", "u1", 0) },
				func(a *Account) bool {
					return !a.Can("u1", permission.ManageUsers) && a.Can("u1", permission.ViewTeams)
				}},
			{"u2 is removed", func() error { return tx.RemoveMember("boss", "u2") },
				func(a *Account) bool { return !a.IsMember("u2") && a.NumMembers() == n-1 }},
			{"new joins", func() error { return tx.AddMember("boss", "new", permission.Create) },
				func(a *Account) bool { return a.Can("new", permission.CreateTeams) }},
			{"new sees web", func() error { return tx.SetTeamRole("boss", "web", "new", RoleViewer) },
				func(a *Account) bool { return a.CanViewTeam("new", "web") && len(a.TeamsOf("new")) == 1 }},
			{"new is removed", func() error { return tx.RemoveMember("boss", "new") },
				func(a *Account) bool { return !a.Can("new", permission.ViewTeams) && !a.CanViewTeam("new", "web") }},
		}
		for i := range 100 { // enough entries to regrow the filter
			u := "u" + strconv.Itoa(100+i)
			steps = append(steps, struct {
				name  string
				step  func() error
				check func(a *Account) bool
			}{u + " gains billing", func() error { return tx.SetPermissions("boss", u, permission.Billing) },
				func(a *Account) bool { return a.Can(u, permission.ViewUsage) && !a.Can("u2", permission.ViewTeams) }})
		}
		for _, st := range steps {
			if err := st.step(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if !st.check(view()) {
				t.Errorf("%s: the Tx's reads do not show the step", st.name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
