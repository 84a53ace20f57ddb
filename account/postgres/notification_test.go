package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

var roles atomic.Int64

// outsider returns a connection to the database of p as a new login role
// that holds no privilege on any table: it can send notifications, and
// nothing else the tests care about.
func outsider(t *testing.T, p *pgxpool.Pool) *pgx.Conn {
	t.Helper()
	role := fmt.Sprintf("entaccess_outsider_%d_%d", os.Getpid(), roles.Add(1))
	exec(t, p, `CREATE ROLE `+role+` LOGIN PASSWORD 'outsider'`)
	t.Cleanup(func() {
		if _, err := p.Exec(context.Background(), `DROP ROLE `+role); err != nil {
			t.Logf("dropping %s: %v", role, err)
		}
	})
	cfg := p.Config().ConnConfig.Copy()
	cfg.User, cfg.Password = role, "outsider"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// A login that cannot read the tables sends notifications on the account's
// channel, one of them carrying a grant of the admin role as the payload a
// commit used to carry: no replica changes, each notification that might
// be news costs the replica one query, and the next real update reaches
// every replica.
func TestForgedNotificationChangesNothing(t *testing.T) {
	pool := database(t)
	var tr statements
	var seen atomic.Int64
	sentinel := make(chan struct{})
	a := create(t, pool, postgres.Options{Poll: -1})
	b := open(t, tracedPool(t, pool, &tr), postgres.Options{Poll: -1, Notified: func(context.Context) {
		if seen.Add(1) == 5 {
			close(sentinel)
		}
	}})
	mallory := outsider(t, pool)
	ctx := context.Background()
	var pe *pgconn.PgError
	if _, err := mallory.Exec(ctx, `SELECT count(*) FROM entaccess_updates`); !errors.As(err, &pe) || pe.Code != "42501" {
		t.Fatalf("the outsider reads the updates table: %v; want insufficient_privilege", err)
	}
	grant := fmt.Sprintf(`1 %d acme`+"\n"+`[{"actor":"root","op":"add-member","user":"mallory","before":"","after":"view,billing,manage,create"}]`, time.Now().UnixNano())
	before := tr.count("entaccess_updates")
	for _, payload := range []string{
		grant,                   // the old payload: not a revision, so read the table
		"999999",                // a revision this replica does not have: read the table
		`{"revision": "garbled`, // not a revision: read the table
		"0",                     // a revision it has: nothing to read
		"0",                     // the sentinel: once it is seen, the others were handled
	} {
		if _, err := mallory.Exec(ctx, `SELECT pg_notify($1::text, $2::text)`, postgres.Channel("acme"), payload); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-sentinel:
	case <-time.After(5 * time.Second):
		t.Fatalf("the replica saw %d of 5 notifications", seen.Load())
	}
	if n := tr.count("entaccess_updates") - before; n != 3 {
		t.Errorf("5 forged notifications cost %d reads of the updates table, want 3 (one for each that might be news)", n)
	}
	for _, r := range []*postgres.Replica{a, b} {
		got := r.Store().Load()
		if got.Revision() != 0 || got.IsMember("mallory") {
			t.Fatalf("a forged notification changed a replica: revision %d, mallory a member: %t", got.Revision(), got.IsMember("mallory"))
		}
		if err := r.Health(); err != nil {
			t.Errorf("Health after forged notifications: %v", err)
		}
	}
	// Writes go on, and reach the other replica.
	got, err := addMember(b.Store(), "ann")
	if err != nil || got.Revision() != 1 {
		t.Fatalf("update after forged notifications: %v at revision %d", err, got.Revision())
	}
	if seenA := waitFor(t, a.Store(), 1, 5*time.Second); !seenA.IsMember("ann") || seenA.IsMember("mallory") {
		t.Errorf("the other replica at revision 1: ann %t, mallory %t; want ann only", seenA.IsMember("ann"), seenA.IsMember("mallory"))
	}
}

// Each account has a channel of its own, within PostgreSQL's 63 bytes even
// for long names: a replica wakes only for its account's commits, and two
// long names that share their first 63 bytes keep apart.
func TestNotificationsPerAccount(t *testing.T) {
	pool := database(t)
	long := strings.Repeat("a", 100)
	names := []string{"acme", "acme corp", long + "1", long + "2"}
	for _, n := range names {
		if c := postgres.Channel(n); len(c) > 63 {
			t.Errorf("channel of %q is %d bytes long", n, len(c))
		}
	}
	if postgres.Channel(names[2]) == postgres.Channel(names[3]) {
		t.Fatal("two long names share a channel")
	}
	writers := make(map[string]*postgres.Replica)
	woken := make(map[string]*atomic.Int64)
	followers := make(map[string]*postgres.Replica)
	for _, n := range names {
		spec := seed(t).Spec()
		spec.Name = n
		a, err := account.New(spec)
		if err != nil {
			t.Fatal(err)
		}
		w, err := postgres.CreateWith(context.Background(), pool, a, postgres.Options{Poll: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeReplica(t, w) })
		var count atomic.Int64
		f, err := postgres.OpenWith(context.Background(), poolOn(t, pool), n, postgres.Options{Poll: -1, Notified: func(context.Context) { count.Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeReplica(t, f) })
		writers[n], woken[n], followers[n] = w, &count, f
	}
	// Commits on every account but acme: acme's follower never wakes.
	for _, n := range names[1:] {
		if _, err := addMember(writers[n].Store(), "ann"); err != nil {
			t.Fatal(err)
		}
		// Notifications alone bring the change: there is no poll.
		waitFor(t, followers[n].Store(), 1, 5*time.Second)
	}
	time.Sleep(200 * time.Millisecond) // let any stray notification arrive
	if n := woken["acme"].Load(); n != 0 {
		t.Errorf("acme's replica woke %d times for other accounts' commits", n)
	}
	for _, n := range names[1:] {
		if got := woken[n].Load(); got != 1 {
			t.Errorf("%.10q…'s replica woke %d times for its account's one commit, want 1", n, got)
		}
	}
}

// A commit's notification is sent after the commit, in a statement of its
// own: a notification queue that cannot take it does not fail the commit.
func TestNotificationFollowsTheCommit(t *testing.T) {
	pool := database(t)
	var tr statements
	r := create(t, tracedPool(t, pool, &tr), postgres.Options{Poll: -1})
	if _, err := addMember(r.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for tr.count("pg_notify") == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	insert, commit, notify := -1, -1, -1
	for i, q := range tr.all() {
		switch {
		case strings.Contains(q, "INSERT INTO entaccess_updates"):
			insert = i
			if strings.Contains(q, "pg_notify") || strings.Contains(q, "NOTIFY") {
				t.Errorf("the committing statement notifies:\n%s", q)
			}
		case strings.TrimSpace(q) == "COMMIT" && insert >= 0 && commit < 0:
			commit = i
		case strings.Contains(q, "pg_notify") && notify < 0:
			notify = i
		}
	}
	if insert < 0 || commit < insert || notify < commit {
		t.Errorf("insert at statement %d, COMMIT at %d, notification at %d; want the notification after the COMMIT", insert, commit, notify)
	}
}
