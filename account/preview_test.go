package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// TestPreviewIsUpdateUncommitted checks, on random states and updates, that
// Preview commits nothing and reports what the same Update then does: its
// error, its snapshot, its events and Diff of the snapshots before and
// after it.
func TestPreviewIsUpdateUncommitted(t *testing.T) {
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, 6)
		if rapid.Bool().Draw(t, "small compaction") {
			account.SetCompactAt(h.store, 1)
		}
		for range rapid.IntRange(1, 4).Draw(t, "previews") {
			before := h.store.Load()
			fn := applyAll(drawUpdate(t, h.store))
			p, perr := h.store.Preview(fn)
			if h.store.Load() != before || h.log.Revision() != before.Revision() {
				t.Fatalf("Preview committed: revision %d, log at %d", h.store.Load().Revision(), h.log.Revision())
			}
			next, uerr := h.store.Update(fn)
			if accounttest.Sentinel(perr) != accounttest.Sentinel(uerr) || (perr == nil) != (uerr == nil) {
				t.Fatalf("Preview: %v; Update: %v", perr, uerr)
			}
			if uerr != nil {
				if perr.Error() != uerr.Error() {
					t.Fatalf("Preview's error %q, Update's %q", perr, uerr)
				}
				continue
			}
			if p.Base != before {
				t.Fatalf("Preview's Base is revision %d, not the current snapshot %d", p.Base.Revision(), before.Revision())
			}
			checkSame(t, "Preview's Account", next, p.Account)
			var events []account.Event
			for e, err := range h.log.Events(ctx, before.Revision()) {
				if err != nil {
					t.Fatal(err)
				}
				events = append(events, e)
			}
			if d := cmp.Diff(events, p.Events, cmpopts.IgnoreFields(account.Event{}, "Time")); d != "" {
				t.Fatalf("Preview's events (-Update's +Preview's):\n%s", d)
			}
			for _, e := range p.Events {
				if !e.Time.IsZero() {
					t.Fatalf("Preview's event has a time: %v", e)
				}
			}
			if d := cmp.Diff(account.Diff(before, next), p.Changes); d != "" {
				t.Fatalf("Preview's changes (-Diff of Update +Preview):\n%s", d)
			}
		}
	})
}

func TestPreviewExample(t *testing.T) {
	s := account.NewStore(mustAccount(t))
	before := s.Load()
	p, err := s.Preview(func(tx *account.Tx) error {
		return tx.SetPermissions("ann", "cat", permission.Manage)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []account.Change{
		{User: "cat", Action: permission.ManageTeams, Gained: true},
		{User: "cat", Action: permission.ManageUsers, Gained: true},
		{User: "cat", Action: permission.ViewSettings, Gained: true},
	}
	if d := cmp.Diff(want, p.Changes); d != "" {
		t.Errorf("Changes (-want +got):\n%s", d)
	}
	if s.Load() != before || !p.Account.Can("cat", permission.ManageUsers) || p.Account.Revision() != 1 || len(p.Events) != 1 {
		t.Errorf("Preview: store at revision %d, preview %+v", s.Load().Revision(), p)
	}
}

func TestPreviewErrors(t *testing.T) {
	s := account.NewStore(mustAccount(t))
	tests := []struct {
		name  string
		store *account.Store
		fn    func(*account.Tx) error
		want  error
	}{
		{"nil store", nil, func(*account.Tx) error { return nil }, account.ErrInvalid},
		{"nil func", s, nil, account.ErrInvalid},
		{"forbidden", s, func(tx *account.Tx) error { return tx.AddMember("cat", "dan", 0) }, account.ErrForbidden},
		{"ignored step error", s, func(tx *account.Tx) error { _ = tx.RemoveMember("ann", "ann"); return nil }, account.ErrLastManager},
		{"callback error", s, func(*account.Tx) error { return context.Canceled }, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.store.Preview(tt.fn)
			if !errors.Is(err, tt.want) || p.Account != nil {
				t.Fatalf("Preview: %+v, %v; want an error wrapping %v", p, err, tt.want)
			}
		})
	}
	p, err := s.Preview(func(*account.Tx) error { return nil })
	if err != nil || p.Account != s.Load() || p.Base != s.Load() || len(p.Events) != 0 || len(p.Changes) != 0 {
		t.Fatalf("Preview of no step: %+v, %v", p, err)
	}
	var zero account.Store
	if _, err := zero.Preview(func(tx *account.Tx) error { return tx.AddMember("ann", "bob", 0) }); !errors.Is(err, account.ErrForbidden) {
		t.Fatalf("Preview on the zero Store: %v", err)
	}
}

// TestPreviewDoesNotWait checks that Preview runs while an update holds
// the update lock.
func TestPreviewDoesNotWait(t *testing.T) {
	s := account.NewStore(mustAccount(t))
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := s.Update(func(tx *account.Tx) error {
			close(inside)
			<-release
			return tx.AddMember("ann", "dan", 0)
		})
		done <- err
	}()
	<-inside
	previewed := make(chan error)
	go func() {
		_, err := s.Preview(func(tx *account.Tx) error { return tx.AddMember("ann", "eve", 0) })
		previewed <- err
	}()
	select {
	case err := <-previewed:
		if err != nil {
			t.Errorf("Preview: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("Preview waited for the update in progress")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
