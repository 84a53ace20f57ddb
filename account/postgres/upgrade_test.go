package postgres_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// schemaV1 is the schema of the first release (examples/postgres), which
// kept no version row.
var schemaV1 = []string{`
CREATE TABLE IF NOT EXISTS entaccess_accounts (
	name                text PRIMARY KEY,
	revision            bigint NOT NULL CHECK (revision >= 0),
	checkpoint          jsonb NOT NULL,
	checkpoint_revision bigint NOT NULL CHECK (checkpoint_revision >= 0 AND checkpoint_revision <= revision)
)`, `
CREATE TABLE IF NOT EXISTS entaccess_updates (
	account  text NOT NULL REFERENCES entaccess_accounts (name),
	revision bigint NOT NULL CHECK (revision > 0),
	time     timestamptz NOT NULL,
	time_ns  bigint NOT NULL,
	actor    text NOT NULL,
	events   jsonb NOT NULL,
	PRIMARY KEY (account, revision)
)`}

// v1Event is an event in the first release's JSON form.
type v1Event struct {
	Actor  string `json:"actor"`
	Op     string `json:"op"`
	Team   string `json:"team,omitempty"`
	User   string `json:"user,omitempty"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// storeV1 writes the tables as the first release did for an account that
// went through updates, with a checkpoint at revision cp, and returns the
// updates' events and the final state.
func storeV1(t *testing.T, pool *pgxpool.Pool, cp uint64) ([]account.Event, *account.Account) {
	t.Helper()
	ctx := context.Background()
	for _, s := range schemaV1 {
		exec(t, pool, s)
	}
	s := account.NewStore(seed(t))
	var events [][]account.Event
	s.SetObserver(func(es []account.Event) { events = append(events, es) })
	var checkpoint *account.Account
	steps := []func(*account.Tx) error{
		func(tx *account.Tx) error { return tx.AddMember("root", "ann", permission.Billing) },
		func(tx *account.Tx) error { return tx.CreateTeam("root", "web") },
		func(tx *account.Tx) error { return tx.SetTeamRole("root", "web", "ann", account.RoleMember) },
		func(tx *account.Tx) error { return tx.AddMember("root", "bob", permission.Create) },
		func(tx *account.Tx) error { return tx.RenameTeam("root", "web", "site") },
		func(tx *account.Tx) error { return tx.SetTeamRole("root", "site", "zed", account.RoleCollaborator) },
		func(tx *account.Tx) error { return tx.SetPermissions("root", "ann", permission.Manage) },
		func(tx *account.Tx) error { return tx.RemoveMember("root", "bob") },
	}
	for i, fn := range steps {
		a, err := s.Update(fn)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if a.Revision() == cp {
			checkpoint = a
		}
	}
	if cp == 0 {
		checkpoint = seed(t)
	}
	cpJSON, err := json.Marshal(checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	final := s.Load()
	exec(t, pool, `INSERT INTO entaccess_accounts (name, revision, checkpoint, checkpoint_revision) VALUES ('acme', $1::bigint, $2::jsonb, $3::bigint)`,
		int64(final.Revision()), string(cpJSON), int64(cp))
	var all []account.Event
	for _, es := range events {
		old := make([]v1Event, len(es))
		for i, e := range es {
			old[i] = v1Event{Actor: e.Actor, Op: e.Op.String(), Team: e.Team, User: e.User, Before: e.Before, After: e.After}
		}
		data, err := json.Marshal(old)
		if err != nil {
			t.Fatal(err)
		}
		at := es[0].Time
		if _, err := pool.Exec(ctx, `INSERT INTO entaccess_updates (account, revision, time, time_ns, actor, events) VALUES ('acme', $1::bigint, $2::timestamptz, $3::bigint, $4::text, $5::jsonb)`,
			int64(es[0].Revision), at.Truncate(time.Microsecond), at.UnixNano(), es[0].Actor, string(data)); err != nil {
			t.Fatal(err)
		}
		all = append(all, es...)
	}
	return all, final
}

// Setup upgrades the first release's tables in place: the same account,
// the same history with its commit times, digests that Verify accepts, and
// replicas that go on from there.
func TestSetupUpgradesTheFirstRelease(t *testing.T) {
	pgtestNeed(t)
	ctx := context.Background()
	pool := newPoolNoSetup(t)
	events, final := storeV1(t, pool, 5)
	if err := postgres.Setup(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var version int
	if err := pool.QueryRow(ctx, `SELECT version FROM entaccess_schema`).Scan(&version); err != nil || version != 2 {
		t.Fatalf("version %d (%v), want 2", version, err)
	}
	r, err := postgres.Open(ctx, pool, "acme")
	if err != nil {
		t.Fatal(err)
	}
	defer closeReplica(t, r)
	got := r.Store().Load()
	if got.Revision() != final.Revision() {
		t.Fatalf("upgraded account at revision %d, want %d", got.Revision(), final.Revision())
	}
	if diff := cmp.Diff(final.Spec(), got.Spec()); diff != "" {
		t.Errorf("upgraded account (-before +after):\n%s", diff)
	}
	var read []account.Event
	for e, err := range r.Events(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		read = append(read, e)
	}
	if diff := cmp.Diff(events, read, exactTime); diff != "" {
		t.Errorf("upgraded history (-before +after):\n%s", diff)
	}
	au, err := postgres.Verify(ctx, pool, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if au.Origin != 5 || au.Updates != len(read) || au.Revision != final.Revision() {
		t.Errorf("Verify = %+v; want origin 5 (the checkpoint when upgraded), every update", au)
	}
	if _, err := addMember(r.Store(), "carl"); err != nil {
		t.Fatal(err)
	}
	if err := postgres.Setup(ctx, pool); err != nil {
		t.Fatalf("Setup again: %v", err)
	}
	if _, err := postgres.Verify(ctx, pool, "acme"); err != nil {
		t.Errorf("Verify after an update and a second Setup: %v", err)
	}
}

// The first release's account with no checkpoint yet, and one with no
// update at all, upgrade too.
func TestSetupUpgradesEarlyAccounts(t *testing.T) {
	pgtestNeed(t)
	ctx := context.Background()
	pool := newPoolNoSetup(t)
	_, final := storeV1(t, pool, 0)
	exec(t, pool, `INSERT INTO entaccess_accounts (name, revision, checkpoint, checkpoint_revision) VALUES ('globex', 0, '{"name":"globex","members":[{"user":"root","permissions":["view","manage"]}]}', 0)`)
	if err := postgres.Setup(ctx, pool); err != nil {
		t.Fatal(err)
	}
	for name, rev := range map[string]uint64{"acme": final.Revision(), "globex": 0} {
		r, err := postgres.Open(ctx, pool, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := r.Store().Load().Revision(); got != rev {
			t.Errorf("%s at revision %d, want %d", name, got, rev)
		}
		closeReplica(t, r)
		if _, err := postgres.Verify(ctx, pool, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Setup refuses tables newer than it knows, and a history it cannot
// upgrade faithfully, changing nothing.
func TestSetupRefuses(t *testing.T) {
	pgtestNeed(t)
	ctx := context.Background()
	t.Run("newer", func(t *testing.T) {
		pool := database(t)
		exec(t, pool, `UPDATE entaccess_schema SET version = 3`)
		if err := postgres.Setup(ctx, pool); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("Setup of version 3 tables: %v", err)
		}
	})
	t.Run("gap", func(t *testing.T) {
		pool := newPoolNoSetup(t)
		storeV1(t, pool, 0)
		exec(t, pool, `DELETE FROM entaccess_updates WHERE revision = 4`)
		err := postgres.Setup(ctx, pool)
		if err == nil || !strings.Contains(err.Error(), "revision 5 follows revision 3") || !strings.Contains(err.Error(), `"acme"`) {
			t.Fatalf("Setup over a history with a gap: %v", err)
		}
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass('entaccess_schema') IS NOT NULL`).Scan(&exists); err != nil || exists {
			t.Errorf("a failed upgrade left a version table (%v)", err)
		}
	})
}

// Setup from many processes at once, on new tables: each succeeds.
func TestSetupConcurrently(t *testing.T) {
	pgtestNeed(t)
	pool := newPoolNoSetup(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := postgres.Setup(context.Background(), pool); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
