package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/permission"
)

// stored stores an account with n updates, ann … on a new database, and
// returns the pool; the replica that wrote them is closed.
func stored(t *testing.T, n int, o postgres.Options) *postgresDB {
	t.Helper()
	pool := database(t)
	r, err := postgres.CreateWith(context.Background(), pool, seed(t), o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := addMember(r.Store(), fmt.Sprintf("u%d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return &postgresDB{pool}
}

// An edit of the stored history, by hand, is found by Open and by Verify,
// with an error wrapping ErrMismatch that names the revision where the
// history stops being what was committed.
func TestEditedHistoryIsAMismatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		sql  string
		want string // in the error
	}{
		{"an event's user", `UPDATE entaccess_updates SET events = jsonb_set(events, '{0,user}', '"mallory"') WHERE revision = 3`, "revision 3"},
		{"an event's permissions", `UPDATE entaccess_updates SET events = jsonb_set(events, '{0,after}', '"view,billing,manage,create"') WHERE revision = 3`, "revision 3"},
		{"an unknown op", `UPDATE entaccess_updates SET events = jsonb_set(events, '{0,op}', '"bogus"') WHERE revision = 3`, `"bogus"`},
		{"a commit time", `UPDATE entaccess_updates SET time_ns = time_ns + 1 WHERE revision = 3`, "revision 3"},
		{"an event's time and the row's", `UPDATE entaccess_updates SET time_ns = time_ns + 1000, events = jsonb_set(events, '{0,time}', to_jsonb(to_char(to_timestamp((time_ns + 1000) / 1e9) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) WHERE revision = 3`, "revision 3"},
		{"a digest", `UPDATE entaccess_updates SET hash = sha256('x') WHERE revision = 3`, "revision 3"},
		{"an update removed", `DELETE FROM entaccess_updates WHERE revision = 3`, "revision 3"},
		{"the last update removed", `DELETE FROM entaccess_updates WHERE revision = 5`, "revision 5"},
		{"the history cut short with the account's revision", `DELETE FROM entaccess_updates WHERE revision = 5; UPDATE entaccess_accounts SET revision = 4`, "revision 4"},
		{"an update added", `INSERT INTO entaccess_updates SELECT account, 6, time, time_ns, actor, jsonb_set(events, '{0,revision}', '6'), hash FROM entaccess_updates WHERE revision = 5`, "revision 6"},
		{"the head", `UPDATE entaccess_accounts SET head = sha256('x')`, "revision 5"},
		{"the checkpoint", `UPDATE entaccess_accounts SET checkpoint = jsonb_set(checkpoint, '{members,0,user}', '"mallory"')`, "checkpoint"},
		{"the checkpoint's revision", `UPDATE entaccess_accounts SET checkpoint_revision = 1`, "revision 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := stored(t, 5, postgres.Options{})
			exec(t, db.pool, tc.sql)
			_, err := postgres.Open(context.Background(), db.pool, "acme")
			if !errors.Is(err, account.ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: %v; want ErrMismatch naming %s", err, tc.want)
			}
			_, err = postgres.Verify(context.Background(), db.pool, "acme")
			if !errors.Is(err, account.ErrMismatch) {
				t.Errorf("Verify: %v; want ErrMismatch", err)
			}
		})
	}
}

// Verify reads the whole history, so it finds edits before the checkpoint,
// which Open does not read, and in the origin.
func TestVerifyAuditsTheWholeHistory(t *testing.T) {
	db := stored(t, 10, postgres.Options{Checkpoint: 4})
	au, err := postgres.Verify(context.Background(), db.pool, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if au.Revision != 10 || au.Updates != 10 || au.Checkpoint != 8 || au.Origin != 0 || len(au.Head) != 64 {
		t.Errorf("Verify = %+v; want 10 updates to revision 10, checkpoint 8, origin 0, a head", au)
	}
	for _, tc := range []struct{ name, sql, want string }{
		{"an update before the checkpoint", `UPDATE entaccess_updates SET events = jsonb_set(events, '{0,user}', '"mallory"') WHERE revision = 2`, "revision 2"},
		{"the origin", `UPDATE entaccess_accounts SET origin = jsonb_set(origin, '{members,0,permissions}', '["view"]')`, "origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := stored(t, 10, postgres.Options{Checkpoint: 4})
			exec(t, db.pool, tc.sql)
			r, err := postgres.Open(context.Background(), db.pool, "acme")
			if err != nil {
				t.Fatalf("Open, which reads from the checkpoint: %v", err)
			}
			if got := r.Verify(context.Background()); !errors.Is(got, account.ErrMismatch) || !strings.Contains(got.Error(), tc.want) {
				t.Errorf("Verify: %v; want ErrMismatch naming %s", got, tc.want)
			}
			closeReplica(t, r)
		})
	}
	if _, err := postgres.Verify(context.Background(), db.pool, "nobody"); !errors.Is(err, postgres.ErrNotFound) {
		t.Errorf("Verify of a missing account: %v; want ErrNotFound", err)
	}
}

// A replica that finds an edit while catching up says so, and refuses
// updates until it is reopened, even once the edit is undone.
func TestReplicaRefusesUpdatesAfterAMismatch(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Poll: -1})
	// b hears nothing: it learns only when asked to catch up.
	b := open(t, poolOn(t, pool), postgres.Options{Poll: -1, Notified: func(ctx context.Context) { <-ctx.Done() }})
	if _, err := addMember(a.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var saved string
	if err := pool.QueryRow(ctx, `SELECT events::text FROM entaccess_updates WHERE revision = 1`).Scan(&saved); err != nil {
		t.Fatal(err)
	}
	exec(t, pool, `UPDATE entaccess_updates SET events = jsonb_set(events, '{0,after}', '"view,billing,manage,create"') WHERE revision = 1`)
	if _, err := b.Store().CatchUp(ctx); !errors.Is(err, account.ErrMismatch) || !strings.Contains(err.Error(), "revision 1") {
		t.Fatalf("CatchUp over an edited update: %v; want ErrMismatch naming revision 1", err)
	}
	if err := b.Health(); !errors.Is(err, account.ErrMismatch) {
		t.Errorf("Health: %v; want ErrMismatch", err)
	}
	if b.Store().Load().Revision() != 0 {
		t.Errorf("b published revision %d of an edited history", b.Store().Load().Revision())
	}
	exec(t, pool, `UPDATE entaccess_updates SET events = $1::jsonb WHERE revision = 1`, saved)
	if _, err := addMember(b.Store(), "bob"); !errors.Is(err, account.ErrMismatch) {
		t.Errorf("update on a replica that found an edit: %v; want ErrMismatch until it is reopened", err)
	}
	if err := b.Close(); !errors.Is(err, account.ErrMismatch) {
		t.Errorf("Close: %v; want the mismatch", err)
	}
	c := open(t, poolOn(t, pool), postgres.Options{Poll: -1})
	if got, err := addMember(c.Store(), "bob"); err != nil || got.Revision() != 2 {
		t.Errorf("update on a reopened replica: %v", err)
	}
}

// The account's row says revision 2 and the history ends at 1: an update on
// a replica at revision 1 is refused at once with ErrMismatch, instead of
// running its callback again and again.
func TestHistoryEndingShortIsAMismatch(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Poll: -1})
	b, err := postgres.OpenWith(context.Background(), poolOn(t, pool), "acme", postgres.Options{Poll: -1, Notified: func(ctx context.Context) { <-ctx.Done() }})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := b.Close(); !errors.Is(err, account.ErrMismatch) {
			t.Errorf("Close: %v; want the mismatch", err)
		}
	}()
	if _, err := addMember(a.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Store().CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := addMember(a.Store(), "bob"); err != nil {
		t.Fatal(err)
	}
	exec(t, pool, `DELETE FROM entaccess_updates WHERE revision = 2`)
	var runs atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err = b.Store().UpdateContext(ctx, func(tx *account.Tx) error {
		runs.Add(1)
		return tx.AddMember("root", "carl", permission.View)
	})
	if !errors.Is(err, account.ErrMismatch) || !strings.Contains(err.Error(), "revision 2") {
		t.Fatalf("update over a history that ends short: %v; want ErrMismatch naming revision 2", err)
	}
	if n := runs.Load(); n > 2 || time.Since(start) > 5*time.Second {
		t.Errorf("the callback ran %d times in %v before the mismatch was reported", n, time.Since(start))
	}
	if _, err := postgres.Open(context.Background(), poolOn(t, pool), "acme"); !errors.Is(err, account.ErrMismatch) {
		t.Errorf("Open: %v; want ErrMismatch", err)
	}
}
