package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/sqlite"
	"github.com/entaccess/entaccess/permission"
)

// checkpointed makes a file whose account took n updates with a
// checkpoint every 10, and returns its path and each revision's account.
func checkpointed(t *testing.T, n int) (string, map[uint64]*account.Account) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	d, err := sqlite.Create(ctx, path, seed(t), sqlite.CheckpointEvery(10))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var hooked []uint64
	d.Store().SetHooks(&account.Hooks{Checkpoint: func(ci account.CheckpointInfo) {
		if ci.Err != nil || ci.Bytes == 0 {
			t.Errorf("checkpoint of revision %d: %d bytes, error %v", ci.Revision, ci.Bytes, ci.Err)
		}
		hooked = append(hooked, ci.Revision)
	}})
	want := map[uint64]*account.Account{0: d.Store().Load()}
	for i := range n {
		a, err := d.Store().Update(func(tx *account.Tx) error {
			return tx.AddMember("alice", fmt.Sprintf("user%d", i), permission.Billing)
		})
		if err != nil {
			t.Fatal(err)
		}
		want[a.Revision()] = a
	}
	var every10 []uint64
	for r := uint64(10); r <= uint64(n); r += 10 {
		every10 = append(every10, r)
	}
	if !cmp.Equal(hooked, every10) {
		t.Errorf("checkpoints reported for revisions %v, want %v", hooked, every10)
	}
	return path, want
}

func runSQL(t *testing.T, path, query string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatal(err)
	}
}

func sameAccount(t *testing.T, what string, got, want *account.Account) {
	t.Helper()
	if got.Revision() != want.Revision() || !cmp.Equal(got.Spec(), want.Spec()) {
		t.Errorf("%s = revision %d, %v; want revision %d, %v", what, got.Revision(), got.Spec(), want.Revision(), want.Spec())
	}
}

// Open and At start from the latest checkpoint at or before the revision
// they need: with the updates before the last checkpoint deleted, the file
// still opens, and At still gives the revisions from that checkpoint on.
// Without that checkpoint, the same deletion makes Open fail, so the check
// can tell.
func TestOpenReadsOnlyAfterCheckpoint(t *testing.T) {
	ctx := context.Background()
	path, want := checkpointed(t, 25)
	runSQL(t, path, `DELETE FROM updates WHERE revision <= 20`)
	d, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open with the updates before the checkpoint of revision 20 deleted: %v", err)
	}
	defer d.Close()
	sameAccount(t, "Open", d.Store().Load(), want[25])
	for rev := uint64(20); rev <= 25; rev++ {
		got, err := d.At(ctx, rev)
		if err != nil {
			t.Fatalf("At(%d): %v", rev, err)
		}
		sameAccount(t, fmt.Sprintf("At(%d)", rev), got, want[rev])
	}
	// Revisions 10 to 19 start from the checkpoint of revision 10, whose
	// following updates are gone.
	if _, err := d.At(ctx, 15); !errors.Is(err, account.ErrMismatch) {
		t.Errorf("At(15) with its updates deleted = %v, want ErrMismatch", err)
	}
	got, err := d.At(ctx, 10)
	if err != nil {
		t.Fatalf("At(10), a checkpoint: %v", err)
	}
	sameAccount(t, "At(10)", got, want[10])
	// An update after the reopen builds on the checkpointed state.
	if _, err := d.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "zoe", 0) }); err != nil {
		t.Fatal(err)
	}

	runSQL(t, path, `DELETE FROM checkpoints WHERE revision = 20`)
	if d2, err := sqlite.Open(ctx, path); !errors.Is(err, account.ErrMismatch) {
		if err == nil {
			d2.Close()
		}
		t.Errorf("Open without the checkpoint the deleted updates led to = %v, want ErrMismatch", err)
	}
}

// Every update between checkpoints, and one at a checkpoint, reopens to
// the account it committed; so does every revision through At.
func TestCheckpointRevisions(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{9, 10, 11, 20} {
		path, want := checkpointed(t, n)
		d, err := sqlite.Open(ctx, path, sqlite.CheckpointEvery(3))
		if err != nil {
			t.Fatal(err)
		}
		sameAccount(t, fmt.Sprintf("Open after %d updates", n), d.Store().Load(), want[uint64(n)])
		for rev, w := range want {
			got, err := d.At(ctx, rev)
			if err != nil {
				t.Fatalf("after %d updates, At(%d): %v", n, rev, err)
			}
			sameAccount(t, fmt.Sprintf("after %d updates, At(%d)", n, rev), got, w)
		}
		d.Close()
	}
}

// A checkpoint edited in the file is an error wrapping ErrMismatch, at
// Open and for At of the revisions it serves.
func TestCheckpointTampered(t *testing.T) {
	ctx := context.Background()
	path, _ := checkpointed(t, 25)
	for _, tc := range []struct{ name, sql string }{
		{"its account edited", `UPDATE checkpoints SET account = replace(account, '"bob"', '"bea"') WHERE revision = 20`},
		{"its account not JSON", `UPDATE checkpoints SET account = 'nonsense' WHERE revision = 20`},
		{"its revision moved", `UPDATE checkpoints SET revision = 21 WHERE revision = 20`},
		{"its head edited", `UPDATE checkpoints SET head = zeroblob(32) WHERE revision = 20`},
		{"its seal edited", `UPDATE checkpoints SET seal = zeroblob(32) WHERE revision = 20`},
		{"a forged one at the head", `INSERT INTO checkpoints SELECT 25, account, head, seal FROM checkpoints WHERE revision = 20`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			damaged := filepath.Join(t.TempDir(), "a.db")
			copyDB(t, path, damaged)
			d, err := sqlite.Open(ctx, damaged)
			if err != nil {
				t.Fatalf("Open before the damage: %v", err)
			}
			defer d.Close()
			runSQL(t, damaged, tc.sql)
			if _, err := d.At(ctx, 25); !errors.Is(err, account.ErrMismatch) {
				t.Errorf("At(25) = %v, want ErrMismatch", err)
			}
			if _, err := d.At(ctx, 19); err != nil {
				t.Errorf("At(19), before the checkpoint: %v", err)
			}
			if d, err := sqlite.Open(ctx, damaged); !errors.Is(err, account.ErrMismatch) {
				if err == nil {
					d.Close()
				}
				t.Fatalf("Open = %v, want ErrMismatch", err)
			} else {
				t.Log(err)
			}
		})
	}
}

func TestCheckpointEveryInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	if _, err := sqlite.Create(context.Background(), path, seed(t), sqlite.CheckpointEvery(0)); !errors.Is(err, account.ErrInvalid) {
		t.Errorf("CheckpointEvery(0) = %v, want ErrInvalid", err)
	}
}

// A file made before checkpoints (without their table) opens, and gets
// checkpoints from then on.
func TestOpenWithoutCheckpointsTable(t *testing.T) {
	ctx := context.Background()
	path, want := checkpointed(t, 5)
	runSQL(t, path, `DROP TABLE checkpoints`)
	d, err := sqlite.Open(ctx, path, sqlite.CheckpointEvery(7))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sameAccount(t, "Open", d.Store().Load(), want[5])
	for i := range 3 {
		if _, err := d.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", fmt.Sprintf("late%d", i), 0) }); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT count(*) FROM checkpoints WHERE revision = 7`).Scan(&n); err != nil || n != 1 {
		t.Errorf("checkpoints of revision 7: %d, %v; want 1", n, err)
	}
}
