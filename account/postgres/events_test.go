package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/google/go-cmp/cmp"
)

// Events reads the audit log from the table, from any revision, across
// read batches and checkpoints, as the Store published it.
func TestEventsFromARevision(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{Checkpoint: 7})
	var published []account.Event
	r.Store().SetObserver(func(es []account.Event) { published = append(published, es...) })
	const n = 520 // more than one read batch
	for i := range n {
		if _, err := addMember(r.Store(), "u"+string(rune('a'+i%26))+string(rune('a'+i/26))); err != nil {
			t.Fatal(err)
		}
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
		if diff := cmp.Diff(want, got, exactTime); diff != "" {
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
