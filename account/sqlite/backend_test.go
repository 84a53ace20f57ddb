package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
)

// The SQLite file passes the Backend conformance kit: reopened, written by
// a second DB on the same file, and closed under load.
func TestBackendConformance(t *testing.T) {
	ctx := context.Background()
	dbOf := func(b account.Backend) *DB { return (*DB)(b.(*backend)) }
	open := func(t *testing.T, path string) *DB {
		t.Helper()
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	accounttest.TestBackend(t, accounttest.BackendHarness{
		New: func(t *testing.T, a *account.Account) account.Backend {
			d, err := Create(ctx, filepath.Join(t.TempDir(), "account.db"), a)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return (*backend)(d)
		},
		Reopen: func(t *testing.T, b account.Backend) (account.Backend, *account.Account) {
			d := dbOf(b)
			d.Close()
			d2 := open(t, d.path)
			return (*backend)(d2), d2.Store().Load()
		},
		Writer: func(t *testing.T, b account.Backend) account.Backend {
			return (*backend)(open(t, dbOf(b).path))
		},
		Close: func(b account.Backend) error { return dbOf(b).Close() },
	})
}

// Every connection runs in WAL mode with full syncs: a committed update
// survives a power loss.
func TestDurableSettings(t *testing.T) {
	ctx := context.Background()
	d, err := Create(ctx, filepath.Join(t.TempDir(), "account.db"), smallAccount(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var mode string
	var sync, busy int
	if err := d.sql.QueryRowContext(ctx, `SELECT * FROM pragma_journal_mode, pragma_synchronous, pragma_busy_timeout`).Scan(&mode, &sync, &busy); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 || busy != 10000 {
		t.Errorf("journal_mode %q, synchronous %d, busy_timeout %d; want wal, 2 (FULL), 10000", mode, sync, busy)
	}
}

func smallAccount(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: 15}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
