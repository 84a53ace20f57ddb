package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Events reads the audit log from the table, from any revision, across
// read batches and checkpoints, as the Store published it.
func TestEventsFromARevision(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{Checkpoint: 7})
	var published []account.Event
	r.Store().SetObserver(func(es []account.Event) { published = append(published, es...) })
	const n = 520 // more than one read batch
	snaps := []*account.Account{r.Store().Load()}
	for i := range n {
		a, err := addMember(r.Store(), "u"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, a)
	}
	ctx := context.Background()
	for _, after := range []uint64{0, 1, 7, 499, 500, 519, 520, 600} {
		var got []account.Event
		for e, err := range r.Events(ctx, after) {
			if err != nil {
				t.Fatalf("Events(%d): %v", after, err)
			}
			got = append(got, e)
		}
		want := slices.DeleteFunc(slices.Clone(published), func(e account.Event) bool { return e.Revision <= after })
		if diff := cmp.Diff(want, got, exactTime, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Events(%d) (-published +read):\n%s", after, diff)
		}
	}
	// Stopping early is fine.
	for e, err := range r.Events(ctx, 10) {
		if err != nil || e.Revision != 11 {
			t.Fatalf("first event after 10: %+v, %v", e, err)
		}
		break
	}
}

// At gives the account as each update left it, from the origin, the
// checkpoint, or between them; a revision not committed yet is an error.
func TestAtARevision(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{Checkpoint: 7})
	snaps := []*account.Account{r.Store().Load()}
	for _, u := range []string{"ann", "bob", "carl", "dana", "erin", "fred", "gina", "hal", "ida", "jo"} {
		a, err := addMember(r.Store(), u)
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, a)
	}
	ctx := context.Background()
	for rev, want := range snaps {
		got, err := r.At(ctx, uint64(rev))
		if err != nil {
			t.Fatalf("At(%d): %v", rev, err)
		}
		if got.Revision() != uint64(rev) || !cmp.Equal(want.Spec(), got.Spec()) {
			t.Errorf("At(%d) = revision %d, %v; want %v", rev, got.Revision(), got.Spec(), want.Spec())
		}
	}
	if _, err := r.At(ctx, 11); !errors.Is(err, account.ErrNotCommitted) || !strings.Contains(err.Error(), "not committed yet") {
		t.Errorf("At(11): %v; want an error saying it is not committed yet", err)
	}
}

// The table keeps each update's events in account.Event's own JSON form,
// the one every store and audit log writes: a strict decode gives back
// exactly what the Store published.
func TestStoredEventsUseTheEventJSON(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{})
	var published []account.Event
	r.Store().SetObserver(func(es []account.Event) { published = append(published, es...) })
	if _, err := r.Store().Update(func(tx *account.Tx) error {
		return errors.Join(tx.CreateTeam("root", "web"), tx.SetTeamRole("root", "web", "zed", account.RoleCollaborator))
	}); err != nil {
		t.Fatal(err)
	}
	var data string
	if err := pool.QueryRow(context.Background(), `SELECT events::text FROM entaccess_updates WHERE revision = 1`).Scan(&data); err != nil {
		t.Fatal(err)
	}
	var stored []account.Event
	if err := json.Unmarshal([]byte(data), &stored); err != nil {
		t.Fatalf("stored events %s: %v", data, err)
	}
	if diff := cmp.Diff(published, stored); diff != "" {
		t.Errorf("stored events (-published +stored):\n%s", diff)
	}
}
