package postgres_test

import (
	"context"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/account/postgres"
)

// The replica's storage passes the seam's conformance kit: each New gets a
// database of its own, and checkpoints every 4 updates, so that reopening
// reads a checkpoint and the updates after it.
func TestBackendConformance(t *testing.T) {
	const every = 4
	ctx := context.Background()
	accounttest.TestBackend(t, accounttest.BackendHarness{
		New: func(t *testing.T, a *account.Account) account.Backend {
			b, err := postgres.NewBackend(ctx, database(t), a, every)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(b.Close)
			return b
		},
		Reopen: func(t *testing.T, b account.Backend) (account.Backend, *account.Account) {
			old := b.(*postgres.Backend)
			old.Close()
			nb, err := postgres.OpenBackend(ctx, old.Pool(), old.Name(), every)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nb.Close)
			cp, err := postgres.Checkpoint(ctx, old.Pool(), old.Name())
			if err != nil {
				t.Fatal(err)
			}
			a, err := account.NewStoreWith(cp, nb).CatchUp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return nb, a
		},
		Writer: func(t *testing.T, b account.Backend) account.Backend {
			pb := b.(*postgres.Backend)
			w, err := postgres.OpenBackend(ctx, pb.Pool(), pb.Name(), every)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(w.Close)
			return w
		},
		Close: func(b account.Backend) error {
			b.(*postgres.Backend).Close()
			return nil
		},
	})
}
