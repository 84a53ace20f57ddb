package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/permission"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Open of a name the database does not hold says so with ErrNotFound,
// naming the account.
func TestOpenMissingIsErrNotFound(t *testing.T) {
	pool := database(t)
	_, err := postgres.Open(context.Background(), pool, "nobody")
	if !errors.Is(err, postgres.ErrNotFound) || !strings.Contains(err.Error(), `"nobody"`) {
		t.Fatalf("Open of a missing account: %v, want an error naming it and wrapping ErrNotFound", err)
	}
}

// Create refuses an account that Open could not read back, such as the
// zero Account, which has no name, and stores nothing.
func TestCreateInvalidAccountStoresNothing(t *testing.T) {
	pool := database(t)
	_, err := postgres.Create(context.Background(), pool, &account.Account{})
	if !errors.Is(err, account.ErrInvalid) {
		t.Fatalf("Create of the zero Account: %v, want ErrInvalid", err)
	}
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM entaccess_accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d accounts stored after a refused Create, want 0", n)
	}
}

// An update on a closed replica is refused with one package prefix.
func TestClosedErrorHasOnePrefix(t *testing.T) {
	pool := database(t)
	r, err := postgres.Create(context.Background(), pool, seed(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = addMember(r.Store(), "ann")
	if !errors.Is(err, postgres.ErrClosed) {
		t.Fatalf("update after Close: %v, want ErrClosed", err)
	}
	if n := strings.Count(err.Error(), "postgres:"); n != 1 {
		t.Errorf("update after Close: %q has %d package prefixes, want 1", err, n)
	}
}

// An update committed while Open catches up reaches the new replica by
// notification, with no poll to fall back on.
func TestUpdateDuringOpenReachesTheReplica(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Poll: -1})
	var committed error
	b, err := postgres.OpenWith(context.Background(), poolOn(t, pool), "acme", postgres.Options{Poll: -1, CaughtUp: func() {
		_, committed = addMember(a.Store(), "ann")
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer closeReplica(t, b)
	if committed != nil {
		t.Fatal(committed)
	}
	if got := waitFor(t, b.Store(), 1, 3*time.Second); !got.Can("ann", permission.ViewTeams) {
		t.Error("ann is not a member on the new replica")
	}
}

// Updates under way when a replica closes either commit, and return nil,
// or fail with ErrClosed and leave no row; each one that returned nil is
// stored at the revision it returned.
func TestCloseWithUpdatesQueued(t *testing.T) {
	pool := database(t)
	r, err := postgres.CreateWith(context.Background(), pool, seed(t), postgres.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	// Hold the account's row so that the first commit waits and the others queue.
	ctx := context.Background()
	tx, err := poolOn(t, pool).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM entaccess_accounts WHERE name = 'acme' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	const n = 8
	type result struct {
		user string
		rev  uint64
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		user := fmt.Sprintf("u%d", i)
		go func() {
			a, err := addMember(r.Store(), user)
			res := result{user: user, err: err}
			if err == nil {
				res.rev = a.Revision()
			}
			results <- res
		}()
	}
	waitQueued(t, pool)
	time.Sleep(100 * time.Millisecond) // let the other updates queue behind the first
	closed := make(chan error, 1)
	go func() { closed <- r.Close() }()
	time.Sleep(100 * time.Millisecond)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked")
	}
	stored := map[string]int64{}
	revs, users := rows(t, pool)
	for i, u := range users {
		stored[u] = revs[i]
	}
	var ok, refused int
	for range n {
		res := <-results
		rev, in := stored[res.user]
		switch {
		case res.err == nil:
			ok++
			if !in || uint64(rev) != res.rev {
				t.Errorf("%s returned revision %d, stored: %t at %d", res.user, res.rev, in, rev)
			}
		case errors.Is(res.err, postgres.ErrClosed):
			refused++
			if in {
				t.Errorf("%s refused (%v) but stored at %d", res.user, res.err, rev)
			}
		default:
			t.Errorf("%s: %v", res.user, res.err)
		}
	}
	if ok == 0 {
		t.Error("no update committed: the row lock did not hold the first one")
	}
	if ok != len(revs) {
		t.Errorf("%d updates returned nil, %d rows stored", ok, len(revs))
	}
	t.Logf("%d committed, %d refused", ok, refused)
}

// waitQueued waits until a commit waits for the account's row lock.
func waitQueued(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	for range 200 {
		var n int
		err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no commit waits for the row lock")
}

// A group refused because another writer committed first, and the updates
// queued behind it, run again on the newer state: each is stored once, at
// the revision its Update returned, after the other writer's.
func TestStaleGroupRunsAgainOnce(t *testing.T) {
	pool := database(t)
	r, err := postgres.CreateWith(context.Background(), pool, seed(t), postgres.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer closeReplica(t, r)
	other := open(t, poolOn(t, pool), postgres.Options{Poll: -1})
	ctx := context.Background()
	tx, err := poolOn(t, pool).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// Another writer takes revision 1 in a transaction of its own, which
	// holds the account's row until it commits.
	if _, err := other.UpdateTx(ctx, tx, func(tx *account.Tx) error { return tx.AddMember("root", "zed", permission.View) }); err != nil {
		t.Fatal(err)
	}
	const n = 6
	type result struct {
		user string
		rev  uint64
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		user := fmt.Sprintf("u%d", i)
		go func() {
			a, err := addMember(r.Store(), user)
			res := result{user: user, err: err}
			if err == nil {
				res.rev = a.Revision()
			}
			results <- res
		}()
	}
	waitQueued(t, pool)
	time.Sleep(100 * time.Millisecond) // let the other updates queue behind the first group
	// The other writer commits revision 1 first.
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	stored := map[string]uint64{}
	for range n {
		res := <-results
		if res.err != nil {
			t.Errorf("%s: %v", res.user, res.err)
			continue
		}
		stored[res.user] = res.rev
	}
	revs, users := rows(t, pool)
	if want := []int64{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(revs, want) {
		t.Fatalf("revisions %v, want %v", revs, want)
	}
	if users[0] != "zed" {
		t.Errorf("revision 1 is %q's, want zed's", users[0])
	}
	for i, u := range users[1:] {
		if got, ok := stored[u]; !ok || got != uint64(i+2) {
			t.Errorf("%q stored at revision %d, its Update returned %d (%t)", u, i+2, got, ok)
		}
	}
	a := r.Store().Load()
	if a.Revision() != 7 || !a.Can("zed", permission.ViewTeams) {
		t.Errorf("replica at revision %d, zed a member: %t; want 7, true", a.Revision(), a.Can("zed", permission.ViewTeams))
	}
}

// Accounts in one database keep apart: a replica applies only its own
// account's notifications, whatever the other account's revisions.
func TestTwoAccountsInOneDatabase(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Poll: -1})
	a2 := open(t, poolOn(t, pool), postgres.Options{Poll: -1})
	spec := seed(t).Spec()
	spec.Name = "acme corp"
	other, err := account.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := postgres.CreateWith(context.Background(), pool, other, postgres.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer closeReplica(t, b)
	for _, u := range []string{"x1", "x2"} {
		if _, err := addMember(b.Store(), u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := addMember(a.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := addMember(b.Store(), "x3"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a2.Store(), 1, 3*time.Second)
	time.Sleep(200 * time.Millisecond) // let the other account's last notification arrive
	got := a2.Store().Load()
	if got.Revision() != 1 || got.Name() != "acme" {
		t.Fatalf("acme's replica at %q revision %d, want acme at 1", got.Name(), got.Revision())
	}
	var users []string
	for _, m := range got.Spec().Members {
		users = append(users, m.User)
	}
	if want := []string{"ann", "root"}; !slices.Equal(users, want) {
		t.Errorf("acme's members %v, want %v", users, want)
	}
}
