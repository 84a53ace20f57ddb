package journal_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/permission"
)

// TestReopenKeepsIdentityProvider: an identity provider in the first
// checkpoint, and one set, removed and set again by updates, survive
// reopening the journal, certificates and all.
func TestReopenKeepsIdentityProvider(t *testing.T) {
	dir := t.TempDir()
	first := accounttest.IdentityProvider("idp.example.com", false)
	a, err := account.New(account.Spec{Name: "acme",
		Members:          []account.Member{{User: "alice", Permissions: permission.Manage}},
		IdentityProvider: &first})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(dir, a)
	if err != nil {
		t.Fatal(err)
	}
	s := j.Store()
	var want []account.Event
	s.SetObserver(func(es []account.Event) { want = append(want, es...) })
	second := accounttest.IdentityProvider("sso.example.org", true)
	second.SLOTargetURL = ""
	for _, step := range []func(*account.Tx) error{
		func(tx *account.Tx) error { return tx.SetIdentityProvider("alice", second) },
		func(tx *account.Tx) error { return tx.RemoveIdentityProvider("alice") },
		func(tx *account.Tx) error { return tx.SetIdentityProvider("alice", first) },
		func(tx *account.Tx) error {
			if err := tx.RemoveIdentityProvider("alice"); err != nil {
				return err
			}
			return tx.SetIdentityProvider("alice", second)
		},
	} {
		if _, err := s.Update(step); err != nil {
			t.Fatal(err)
		}
	}
	final := s.Load()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = mustOpen(t, dir)
	defer j.Close()
	got := j.Store().Load()
	if diff := cmp.Diff(final.Spec(), got.Spec()); diff != "" {
		t.Errorf("reopened state (-want +got):\n%s", diff)
	}
	if p, ok := got.IdentityProvider(); !ok || p != second {
		t.Errorf("reopened identity provider %+v, %v; want %+v", p, ok, second)
	}
	if diff := cmp.Diff(want, collect(t, j, 0)); diff != "" {
		t.Errorf("events after reopening (-want +got):\n%s", diff)
	}
	if _, err := a.Replay(collect(t, j, 0)); err != nil {
		t.Errorf("replaying the stored events: %v", err)
	}
}
