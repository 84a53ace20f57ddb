package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/examples/postgres"
	"github.com/entaccess/entaccess/permission"
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
