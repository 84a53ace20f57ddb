package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/account/sqlite"
	"github.com/entaccess/entaccess/permission"
)

// toggle flips bob's Billing, so the account stays small.
func toggle(i int) func(*account.Tx) error {
	p := permission.View
	if i%2 == 0 {
		p = permission.Billing
	}
	return func(tx *account.Tx) error { return tx.SetPermissions("alice", "bob", p) }
}

// BenchmarkUpdate: a durable Update on a SQLite file, against the journal
// in the same temporary directory's file system (the baseline).
func BenchmarkUpdate(b *testing.B) {
	run := func(b *testing.B, s *account.Store) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Update(toggle(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("journal", func(b *testing.B) {
		j, err := journal.Create(b.TempDir(), benchAccount(b))
		if err != nil {
			b.Fatal(err)
		}
		defer j.Close()
		run(b, j.Store())
	})
	b.Run("sqlite", func(b *testing.B) {
		d, err := sqlite.Create(context.Background(), filepath.Join(b.TempDir(), "a.db"), benchAccount(b))
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		run(b, d.Store())
	})
}

func benchAccount(b *testing.B) *account.Account {
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}, {User: "bob"}}})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkOpen: Open of a file after 3,500 updates, replaying them all
// (no checkpoint stored: the baseline) or from the checkpoint of revision
// 3,000 (the default, a checkpoint every 1,000).
func BenchmarkOpen(b *testing.B) {
	const updates = 3500
	for _, c := range []struct {
		name  string
		every int
	}{{"replay-all", 1 << 30}, {"checkpoints", sqlite.DefaultCheckpointEvery}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "a.db")
			d, err := sqlite.Create(ctx, path, benchAccount(b), sqlite.CheckpointEvery(c.every))
			if err != nil {
				b.Fatal(err)
			}
			// Sixteen updaters, so that the Store batches the history
			// into few transactions.
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := g; i < updates; i += 16 {
						if _, err := d.Store().Update(toggle(i)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			d.Close()
			b.ReportAllocs()
			for b.Loop() {
				d, err := sqlite.Open(ctx, path)
				if err != nil {
					b.Fatal(err)
				}
				if d.Store().Load().Revision() != updates {
					b.Fatalf("opened at revision %d", d.Store().Load().Revision())
				}
				d.Close()
			}
		})
	}
}
