package postgres_test

import (
	"context"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/account/postgres"
)

// A replica keeps the whole history: it passes the History conformance
// kit, reopened included. Each account gets a database of its own and
// checkpoints every 3 updates, so that At is read across checkpoints as
// well as from the origin.
func TestHistoryConformance(t *testing.T) {
	o := postgres.Options{Checkpoint: 3}
	accounttest.TestHistory(t, accounttest.HistoryHarness{
		New: func(t *testing.T, a *account.Account) (*account.Store, account.History) {
			r, err := postgres.CreateWith(context.Background(), database(t), a, o)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { closeReplica(t, r) })
			return r.Store(), r
		},
		Reopen: func(t *testing.T, h account.History) (*account.Store, account.History) {
			old := h.(*postgres.Replica)
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}
			r, err := postgres.OpenWith(context.Background(), postgres.ReplicaPool(old), old.Name(), o)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { closeReplica(t, r) })
			return r.Store(), r
		},
	})
}
