package journal_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/permission"
)

func newAccount(t testing.TB) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{
		Name:    "acme",
		Members: []account.Member{{User: "alice", Permissions: permission.Admin}, {User: "bob", Permissions: permission.View}},
		Teams:   []account.Team{{Name: "web", Members: []account.TeamMember{{User: "alice", Role: account.RoleAdmin}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustOpen(t testing.TB, dir string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func collect(t testing.TB, j *journal.Journal, after uint64) []account.Event {
	t.Helper()
	var es []account.Event
	for e, err := range j.Events(context.Background(), after) {
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return es
}

func TestReopenKeepsEveryUpdate(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Create(dir, newAccount(t))
	if err != nil {
		t.Fatal(err)
	}
	s := j.Store()
	var want []account.Event
	s.SetObserver(func(es []account.Event) { want = append(want, es...) })
	before := time.Now().UTC()
	for i, u := range []string{"carl", "dana", "erin"} {
		a, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", u, permission.Billing) })
		if err != nil || a.Revision() != uint64(i+1) {
			t.Fatalf("Update = revision %d, %v", a.Revision(), err)
		}
	}
	if _, err := s.Update(func(tx *account.Tx) error {
		if err := tx.CreateTeam("alice", "ops"); err != nil {
			return err
		}
		return tx.SetTeamRole("alice", "ops", "bob", account.RoleViewer)
	}); err != nil {
		t.Fatal(err)
	}
	final := s.Load()
	if diff := cmp.Diff(want, collect(t, j, 0)); diff != "" {
		t.Errorf("Events before Close (-want +got):\n%s", diff)
	}
	for _, e := range want {
		if e.Time.Location() != time.UTC || e.Time.Before(before) || e.Time.After(time.Now()) {
			t.Errorf("event time %v, want UTC between %v and now", e.Time, before)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "zed", 0) }); !errors.Is(err, journal.ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
	for _, err := range j.Events(context.Background(), 0) {
		if !errors.Is(err, journal.ErrClosed) {
			t.Errorf("Events after Close = %v, want ErrClosed", err)
		}
	}

	j = mustOpen(t, dir)
	defer j.Close()
	got := j.Store().Load()
	if got.Revision() != final.Revision() {
		t.Errorf("reopened at revision %d, want %d", got.Revision(), final.Revision())
	}
	if diff := cmp.Diff(final.Spec(), got.Spec()); diff != "" {
		t.Errorf("reopened state (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, collect(t, j, 0)); diff != "" {
		t.Errorf("Events after reopening (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[3:], collect(t, j, 3)); diff != "" {
		t.Errorf("Events(3) (-want +got):\n%s", diff)
	}
	if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.RemoveMember("alice", "carl") }); err != nil {
		t.Fatal(err)
	}
	if n := len(collect(t, j, 0)); n != len(want)+1 {
		t.Errorf("%d events after one more update, want %d", n, len(want)+1)
	}
}

func TestCreateRefusesExistingJournal(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Create(dir, newAccount(t))
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := journal.Create(dir, newAccount(t)); !errors.Is(err, account.ErrExists) {
		t.Errorf("Create on a journal = %v, want ErrExists", err)
	}
	if _, err := journal.Open(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of an empty directory = %v, want ErrNotExist", err)
	}
	if _, err := journal.Create(t.TempDir(), nil); !errors.Is(err, account.ErrInvalid) {
		t.Errorf("Create with nil = %v, want ErrInvalid", err)
	}
}

func TestSecondOpenerFails(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Create(dir, newAccount(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := journal.Open(dir); err == nil || !contains(err.Error(), "open in another Journal") {
		t.Errorf("second Open = %v, want an error saying the directory is open", err)
	}
	if _, err := journal.Create(dir, newAccount(t)); err == nil {
		t.Error("Create on an open journal succeeded")
	}
	j.Close()
	j2 := mustOpen(t, dir)
	j2.Close()
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
