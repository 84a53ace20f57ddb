package postgres_test

import (
	"context"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// An identity provider set, removed and set again, across checkpoints,
// survives reopening: the table's events replay it, certificate and all.
func TestIdentityProviderSurvivesReopen(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{Checkpoint: 2})
	var published []account.Event
	r.Store().SetObserver(func(es []account.Event) { published = append(published, es...) })
	first := accounttest.IdentityProvider("idp.example.com", true)
	second := accounttest.IdentityProvider("sso.example.org", false)
	second.SLOTargetURL = ""
	for _, step := range []func(*account.Tx) error{
		func(tx *account.Tx) error { return tx.SetIdentityProvider("root", first) },
		func(tx *account.Tx) error { return tx.RemoveIdentityProvider("root") },
		func(tx *account.Tx) error { return tx.SetIdentityProvider("root", first) },
		func(tx *account.Tx) error { return tx.SetIdentityProvider("root", second) },
		func(tx *account.Tx) error { return tx.AddMember("root", "ivy", 0) },
	} {
		if _, err := r.Store().Update(step); err != nil {
			t.Fatal(err)
		}
	}
	want := r.Store().Load().Spec()
	closeReplica(t, r)
	again := open(t, pool, postgres.Options{Checkpoint: 2})
	if diff := cmp.Diff(want, again.Store().Load().Spec()); diff != "" {
		t.Errorf("reopened (-want +got):\n%s", diff)
	}
	var got []account.Event
	for e, err := range again.Events(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if diff := cmp.Diff(published, got, exactTime, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("events (-published +read):\n%s", diff)
	}
}
