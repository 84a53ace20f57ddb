package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/sqlite"
	"github.com/entaccess/entaccess/permission"
)

func seed(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{
		Name:    "acme",
		Members: []account.Member{{User: "alice", Permissions: permission.Admin}, {User: "bob"}},
		Teams:   []account.Team{{Name: "web", Members: []account.TeamMember{{User: "alice", Role: account.RoleAdmin}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func create(t *testing.T, path string, a *account.Account) *sqlite.DB {
	t.Helper()
	d, err := sqlite.Create(context.Background(), path, a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestCreateTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	create(t, path, seed(t))
	_, err := sqlite.Create(context.Background(), path, seed(t))
	if !errors.Is(err, account.ErrExists) || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create on a file holding an account = %v, want account.ErrExists and fs.ErrExist", err)
	}
}

func TestOpenWithoutAccount(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := sqlite.Open(ctx, filepath.Join(dir, "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing file = %v, want fs.ErrNotExist", err)
	}
	// A SQLite file with other tables in it holds no account.
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := sqlite.Open(ctx, other); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "holds no account") {
		t.Errorf("Open of a file without an account = %v, want fs.ErrNotExist saying so", err)
	}
}

func TestClosed(t *testing.T) {
	d := create(t, filepath.Join(t.TempDir(), "a.db"), seed(t))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := d.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "carl", 0) })
	if !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
	for _, err := range d.Events(context.Background(), 0) {
		if !errors.Is(err, sqlite.ErrClosed) {
			t.Errorf("Events after Close = %v, want ErrClosed", err)
		}
	}
	if d.Close() != nil {
		t.Error("a second Close failed")
	}
}

// At replays the history: each revision is the snapshot Update returned.
func TestAt(t *testing.T) {
	ctx := context.Background()
	d := create(t, filepath.Join(t.TempDir(), "a.db"), seed(t).WithRevision(10))
	want := []*account.Account{d.Store().Load()}
	for _, u := range []string{"carl", "dana", "erin"} {
		a, err := d.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", u, permission.Billing) })
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, a)
	}
	for _, w := range want {
		got, err := d.At(ctx, w.Revision())
		if err != nil {
			t.Fatalf("At(%d): %v", w.Revision(), err)
		}
		if got.Revision() != w.Revision() || !cmp.Equal(w.Spec(), got.Spec()) {
			t.Errorf("At(%d) = revision %d, %v; want %v", w.Revision(), got.Revision(), got.Spec(), w.Spec())
		}
	}
	for _, rev := range []uint64{9, 14} {
		if _, err := d.At(ctx, rev); !errors.Is(err, account.ErrInvalid) {
			t.Errorf("At(%d) = %v, want ErrInvalid", rev, err)
		}
	}
}

// A file whose stored history was tampered with does not open.
func TestOpenDamaged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	d := create(t, path, seed(t))
	for _, u := range []string{"carl", "dana"} {
		if _, err := d.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", u, 0) }); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	if d, err := sqlite.Open(ctx, path); err != nil {
		t.Fatalf("the file before damage: %v", err)
	} else {
		d.Close()
	}
	for _, tc := range []struct {
		name, sql string
		want      error
	}{
		{"revision ahead of the updates", `UPDATE account SET revision = 3`, account.ErrMismatch},
		{"an event edited", `UPDATE updates SET events = replace(events, '"after":"view"', '"after":"view,manage"')`, account.ErrMismatch},
		{"an update not JSON", `UPDATE updates SET events = 'nonsense' WHERE revision = 2`, account.ErrMismatch},
		{"the last update dropped", `DELETE FROM updates WHERE revision = 2`, account.ErrMismatch},
		{"an update dropped, the rest renumbered", `DELETE FROM updates WHERE revision = 1; UPDATE updates SET revision = 1; UPDATE account SET revision = 1`, account.ErrMismatch},
		{"the head edited", `UPDATE account SET head = zeroblob(32)`, account.ErrMismatch},
		{"the initial account edited", `UPDATE account SET initial = replace(initial, '"bob"', '"bea"')`, account.ErrMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			damaged := filepath.Join(t.TempDir(), "a.db")
			copyDB(t, path, damaged)
			db, err := sql.Open("sqlite", damaged)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			_, err = sqlite.Open(ctx, damaged)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
			t.Log(err)
		})
	}
}

func copyDB(t *testing.T, from, to string) {
	t.Helper()
	db, err := sql.Open("sqlite", from)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`VACUUM INTO ?`, to); err != nil {
		t.Fatal(err)
	}
}
