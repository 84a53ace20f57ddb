package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/account/postgres/pgtest"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var server *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &server)) }

// database returns a pool on a new, empty database with the tables set up.
func database(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pgtest.Need(t, server)
	dsn := server.Database(t)
	return newPool(t, dsn)
}

// newPool returns a pool of its own on dsn, with the tables set up.
func newPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.Setup(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// poolOn returns another pool on the database of p.
func poolOn(t testing.TB, p *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	return newPool(t, p.Config().ConnString())
}

func seed(t testing.TB) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "root", Permissions: permission.Admin}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func closeReplica(t testing.TB, r *postgres.Replica) {
	t.Helper()
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func create(t testing.TB, pool *pgxpool.Pool, o postgres.Options) *postgres.Replica {
	t.Helper()
	r, err := postgres.CreateWith(context.Background(), pool, seed(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeReplica(t, r) })
	return r
}

func open(t testing.TB, pool *pgxpool.Pool, o postgres.Options) *postgres.Replica {
	t.Helper()
	r, err := postgres.OpenWith(context.Background(), pool, "acme", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeReplica(t, r) })
	return r
}

func addMember(s *account.Store, user string) (*account.Account, error) {
	return s.Update(func(tx *account.Tx) error { return tx.AddMember("root", user, permission.View) })
}

// rows returns the revision and first event's user of every stored update, in order.
func rows(t testing.TB, pool *pgxpool.Pool) (revs []int64, users []string) {
	t.Helper()
	rs, err := pool.Query(context.Background(), `SELECT revision, coalesce(events->0->>'user', '') FROM entaccess_updates WHERE account = 'acme' ORDER BY revision`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var (
			rev  int64
			user string
		)
		if err := rs.Scan(&rev, &user); err != nil {
			t.Fatal(err)
		}
		revs = append(revs, rev)
		users = append(users, user)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return revs, users
}

func waitFor(t testing.TB, s *account.Store, rev uint64, within time.Duration) *account.Account {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	a, err := s.WaitFor(ctx, rev)
	if err != nil {
		t.Fatalf("revision %d not reached within %v (at %d): %v", rev, within, s.Load().Revision(), err)
	}
	return a
}

func TestChangeOnOneReplicaReachesTheOther(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Poll: -1}) // notifications alone
	b := open(t, poolOn(t, pool), postgres.Options{Poll: -1})
	got, err := addMember(a.Store(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision() != 1 {
		t.Fatalf("revision %d, want 1", got.Revision())
	}
	seen := waitFor(t, b.Store(), 1, 5*time.Second)
	if !seen.Can("ann", permission.ViewTeams) {
		t.Error("ann is not a member on the other replica")
	}
	if diff := cmp.Diff(got.Spec(), seen.Spec()); diff != "" {
		t.Errorf("replicas differ (-a +b):\n%s", diff)
	}
}

func TestCreateTakenName(t *testing.T) {
	pool := database(t)
	create(t, pool, postgres.Options{})
	_, err := postgres.Create(context.Background(), pool, seed(t))
	if !errors.Is(err, account.ErrExists) {
		t.Fatalf("Create twice: %v, want ErrExists", err)
	}
}

func TestOpenMissing(t *testing.T) {
	pool := database(t)
	_, err := postgres.Open(context.Background(), pool, "nobody")
	if err == nil || !strings.Contains(err.Error(), `"nobody"`) {
		t.Fatalf("Open of a missing account: %v", err)
	}
}

func TestSetupTwice(t *testing.T) {
	pool := database(t) // set up once already
	if err := postgres.Setup(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
}

func TestRefusedUpdateLeavesNoRow(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{})
	s := r.Store()
	if _, err := addMember(s, "ann"); err != nil {
		t.Fatal(err)
	}
	// ann may not manage users: refused by the table.
	_, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("ann", "bob", permission.View) })
	if !errors.Is(err, account.ErrForbidden) {
		t.Fatalf("refused update: %v", err)
	}
	// A callback's own error.
	boom := errors.New("boom")
	_, err = s.Update(func(tx *account.Tx) error {
		if err := tx.AddMember("root", "carl", permission.View); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failed update: %v", err)
	}
	// A commit that fails in the database: the account's row is gone for this transaction's view.
	revs, users := rows(t, pool)
	if diff := cmp.Diff([]int64{1}, revs); diff != "" {
		t.Errorf("revisions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ann"}, users); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if got := s.Load().Revision(); got != 1 {
		t.Errorf("revision %d, want 1", got)
	}
}

func TestClosedReplicaRefusesUpdates(t *testing.T) {
	pool := database(t)
	r, err := postgres.Create(context.Background(), pool, seed(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := addMember(r.Store(), "ann"); !errors.Is(err, postgres.ErrClosed) {
		t.Fatalf("update after Close: %v, want ErrClosed", err)
	}
	if revs, _ := rows(t, pool); len(revs) != 0 {
		t.Errorf("rows after a refused update: %v", revs)
	}
	if !r.Store().Load().Can("root", permission.ManageUsers) {
		t.Error("a closed replica no longer answers from memory")
	}
}

func TestLateReplicaStartsCaughtUp(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Checkpoint: 7})
	var last *account.Account
	for i := range 20 {
		var err error
		if last, err = addMember(a.Store(), "u"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	b := open(t, poolOn(t, pool), postgres.Options{Checkpoint: 7})
	got := b.Store().Load()
	if got.Revision() != 20 {
		t.Fatalf("late replica at revision %d, want 20", got.Revision())
	}
	if diff := cmp.Diff(last.Spec(), got.Spec()); diff != "" {
		t.Errorf("late replica differs (-want +got):\n%s", diff)
	}
}

func TestOpenReadsTheCheckpoint(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Checkpoint: 10})
	for i := range 25 {
		if _, err := addMember(a.Store(), "u"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	var cp int64
	if err := pool.QueryRow(context.Background(), `SELECT checkpoint_revision FROM entaccess_accounts WHERE name = 'acme'`).Scan(&cp); err != nil {
		t.Fatal(err)
	}
	if cp != 20 {
		t.Fatalf("checkpoint at revision %d, want 20", cp)
	}
	// Damage the history before the checkpoint: Open must not read it.
	if _, err := pool.Exec(context.Background(), `UPDATE entaccess_updates SET events = '[{"op":"bogus"}]' WHERE revision <= 20`); err != nil {
		t.Fatal(err)
	}
	b := open(t, poolOn(t, pool), postgres.Options{})
	if diff := cmp.Diff(a.Store().Load().Spec(), b.Store().Load().Spec()); diff != "" {
		t.Errorf("replica opened from the checkpoint differs (-want +got):\n%s", diff)
	}
	// The history stays.
	if revs, _ := rows(t, pool); len(revs) != 25 {
		t.Errorf("%d update rows, want 25: history must stay", len(revs))
	}
}

func TestDamagedHistoryIsAnError(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{})
	if _, err := addMember(a.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(context.Background(), `UPDATE entaccess_updates SET events = '[{"op":"bogus"}]'`); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(context.Background(), poolOn(t, pool), "acme")
	if !errors.Is(err, account.ErrMismatch) || !strings.Contains(err.Error(), `"bogus"`) {
		t.Fatalf("Open on damaged history: %v, want ErrMismatch naming the op", err)
	}
}

// An update too big to travel in a notification reaches the other replica
// through the table.
func TestBigUpdateReachesTheOther(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Poll: -1})
	b := open(t, poolOn(t, pool), postgres.Options{Poll: -1})
	got, err := a.Store().Update(func(tx *account.Tx) error {
		for i := range 100 {
			if err := tx.AddMember("root", fmt.Sprintf("%s-%d", strings.Repeat("x", 200), i), permission.View); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := waitFor(t, b.Store(), got.Revision(), 5*time.Second)
	if diff := cmp.Diff(got.Spec(), seen.Spec()); diff != "" {
		t.Errorf("replicas differ (-a +b):\n%s", diff)
	}
}

// Updates made while a commit is under way are committed together, in
// fewer transactions than updates, and reach the other replica through
// notifications alone.
func TestConcurrentUpdatesShareTransactions(t *testing.T) {
	pool := database(t)
	a := create(t, pool, postgres.Options{Poll: -1})
	b := open(t, poolOn(t, pool), postgres.Options{Poll: -1})
	const writers, per = 16, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range per {
				if _, err := addMember(a.Store(), fmt.Sprintf("w%d-%d", w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	revs, _ := rows(t, pool)
	if len(revs) != writers*per {
		t.Fatalf("%d updates stored, want %d", len(revs), writers*per)
	}
	var txs int
	if err := pool.QueryRow(context.Background(), `SELECT count(DISTINCT xmin::text) FROM entaccess_updates`).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d updates in %d transactions", len(revs), txs)
	if txs >= len(revs) {
		t.Errorf("%d updates took %d transactions: none shared one", len(revs), txs)
	}
	got := waitFor(t, b.Store(), writers*per, 5*time.Second)
	if diff := cmp.Diff(a.Store().Load().Spec(), got.Spec()); diff != "" {
		t.Errorf("replicas differ (-a +b):\n%s", diff)
	}
}

// A statements tracer records the SQL of every statement a pool runs, in
// order, batched ones included.
type statements struct {
	mu   sync.Mutex
	sqls []string
}

func (s *statements) add(sql string) {
	s.mu.Lock()
	s.sqls = append(s.sqls, sql)
	s.mu.Unlock()
}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.add(d.SQL)
	return ctx
}
func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (s *statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (s *statements) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	s.add(d.SQL)
}
func (s *statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// count returns how many statements recorded so far contain part.
func (s *statements) count(part string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.sqls {
		if strings.Contains(q, part) {
			n++
		}
	}
	return n
}

func (s *statements) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sqls)
}

// tracedPool returns a pool on the database of p whose statements tr records.
func tracedPool(t testing.TB, p *pgxpool.Pool, tr *statements) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(p.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// exec runs sql on the database of p, as the tests' own role.
func exec(t testing.TB, p *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := p.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// A postgresDB is a database with the tables set up.
type postgresDB struct{ pool *pgxpool.Pool }

func pgtestNeed(t testing.TB) {
	t.Helper()
	pgtest.Need(t, server)
}

// newPoolNoSetup returns a pool on a new, empty database, without tables.
func newPoolNoSetup(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pgtest.Need(t, server)
	pool, err := pgxpool.New(context.Background(), server.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func addMemberContext(ctx context.Context, s *account.Store, user string) (*account.Account, error) {
	return s.UpdateContext(ctx, func(tx *account.Tx) error { return tx.AddMember("root", user, permission.View) })
}
