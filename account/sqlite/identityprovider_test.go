package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/account/sqlite"
)

// An identity provider in the first account and one set, removed and set
// again by updates survive reopening the database, certificates and all.
func TestReopenKeepsIdentityProvider(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	first := accounttest.IdentityProvider("idp.example.com", false)
	spec := seed(t).Spec()
	spec.IdentityProvider = &first
	a, err := account.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	d, err := sqlite.Create(context.Background(), path, a)
	if err != nil {
		t.Fatal(err)
	}
	second := accounttest.IdentityProvider("sso.example.org", true)
	for _, step := range []func(*account.Tx) error{
		func(tx *account.Tx) error { return tx.SetIdentityProvider("alice", second) },
		func(tx *account.Tx) error { return tx.RemoveIdentityProvider("alice") },
		func(tx *account.Tx) error { return tx.SetIdentityProvider("alice", second) },
	} {
		if _, err := d.Store().Update(step); err != nil {
			t.Fatal(err)
		}
	}
	want := d.Store().Load().Spec()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if diff := cmp.Diff(want, d.Store().Load().Spec()); diff != "" {
		t.Errorf("reopened (-want +got):\n%s", diff)
	}
	at, err := d.At(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := at.IdentityProvider(); ok {
		t.Error("At(2), after the removal, has an identity provider")
	}
}
