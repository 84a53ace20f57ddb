package account_test

import (
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// TestReplayLargeCounts: a replay long enough to fold the members' overlay
// into a base of its own, then removing members from it, counts the
// members as the committed account does.
func TestReplayLargeCounts(t *testing.T) {
	const n = 2100
	spec := account.Spec{Name: "big"}
	for i := range n {
		p := permission.View
		if i == 0 {
			p = permission.Admin
		}
		spec.Members = append(spec.Members, account.Member{User: userName(i), Permissions: p})
	}
	from := mustNew(t, spec)
	s := account.NewStore(from)
	var events []account.Event
	s.SetObserver(func(es []account.Event) { events = append(events, es...) })
	admin := userName(0)
	update := func(f func(tx *account.Tx) error) {
		t.Helper()
		if _, err := s.Update(f); err != nil {
			t.Fatal(err)
		}
	}
	// Far more changes than the overlay keeps (n/256), then removals, of
	// members who were there before and of members just added.
	for i := range 40 {
		update(func(tx *account.Tx) error { return tx.AddMember(admin, userName(n+i), permission.Billing) })
	}
	for i := range 10 {
		update(func(tx *account.Tx) error { return tx.RemoveMember(admin, userName(1+i)) })
		update(func(tx *account.Tx) error { return tx.RemoveMember(admin, userName(n+i)) })
	}
	want := s.Load()
	got, err := from.Replay(events)
	if err != nil {
		t.Fatal(err)
	}
	if got.NumMembers() != n+40-20 || got.NumMembers() != want.NumMembers() || got.NumMembers() != len(got.Spec().Members) {
		t.Errorf("replayed account has %d members (%d in its spec), want %d", got.NumMembers(), len(got.Spec().Members), n+40-20)
	}
}
