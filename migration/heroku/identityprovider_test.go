package heroku_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration/heroku"
)

// withIdentityProvider is base with an identity provider owned by owner,
// named by the account, with the recorded certificate.
func withIdentityProvider(t *testing.T, owner heroku.Owner) heroku.AccountData {
	t.Helper()
	raw, err := os.ReadFile("herokutest/testdata/api/teams/acme-web/identity-providers.json")
	if err != nil {
		t.Fatal(err)
	}
	var recorded []heroku.IdentityProvider
	if err := json.Unmarshal(raw, &recorded); err != nil || len(recorded) != 1 {
		t.Fatalf("recorded identity providers: %v, %v", recorded, err)
	}
	d := base()
	d.Account.IdentityProvider = &heroku.IdentityProviderRef{ID: "idp-1", Name: "acme-sso", Owner: owner}
	d.IdentityProvider = &heroku.IdentityProvider{
		ID:           "idp-1",
		EntityID:     "https://sso.x.example/metadata",
		SSOTargetURL: "https://sso.x.example/login",
		SLOTargetURL: "",
		Certificate:  recorded[0].Certificate,
		Owner:        owner,
	}
	return d
}

// The identity provider maps field by field, owned by the account or by one
// of its teams; it is never enforced by the import.
func TestAccountSpecIdentityProvider(t *testing.T) {
	for _, owner := range []heroku.Owner{
		{ID: acmeID, Name: "acme", Type: "enterprise-account"},
		{Name: "acme", Type: "enterprise-account"},
		{ID: "t-web", Name: "web", Type: "team"},
		{Name: "web", Type: "team"},
	} {
		d := withIdentityProvider(t, owner)
		spec, err := heroku.AccountSpec(d, heroku.Options{})
		if err != nil {
			t.Fatalf("owned by %+v: %v", owner, err)
		}
		want := &account.IdentityProvider{
			EntityID:     "https://sso.x.example/metadata",
			SSOTargetURL: "https://sso.x.example/login",
			Certificate:  d.IdentityProvider.Certificate,
		}
		if diff := cmp.Diff(want, spec.IdentityProvider); diff != "" {
			t.Errorf("owned by %+v (-want +got):\n%s", owner, diff)
		}
	}
	spec, err := heroku.AccountSpec(base(), heroku.Options{})
	if err != nil || spec.IdentityProvider != nil {
		t.Errorf("an account without one = %+v, %v; want no identity provider", spec.IdentityProvider, err)
	}
}

func TestAccountSpecIdentityProviderRefused(t *testing.T) {
	team := heroku.Owner{ID: "t-web", Name: "web", Type: "team"}
	for _, tc := range []struct {
		name, path string
		edit       func(*heroku.AccountData)
		want       error
	}{
		{"named but not read", "account.identity_provider", func(d *heroku.AccountData) { d.IdentityProvider = nil }, heroku.ErrUnsupported},
		{"given but not named", "identity_provider", func(d *heroku.AccountData) { d.Account.IdentityProvider = nil }, heroku.ErrUnsupported},
		{"another one", "identity_provider.id", func(d *heroku.AccountData) { d.IdentityProvider.ID = "idp-2" }, heroku.ErrUnsupported},
		{"owned by another account", "identity_provider.owner", func(d *heroku.AccountData) {
			d.IdentityProvider.Owner = heroku.Owner{ID: "ea-2", Name: "globex", Type: "enterprise-account"}
		}, heroku.ErrUnsupported},
		{"owned by a team of no account here", "identity_provider.owner", func(d *heroku.AccountData) {
			d.IdentityProvider.Owner = heroku.Owner{ID: "t-other", Name: "other", Type: "team"}
		}, heroku.ErrUnsupported},
		{"owner of unknown type", "identity_provider.owner.type", func(d *heroku.AccountData) { d.IdentityProvider.Owner.Type = "user" }, heroku.ErrUnsupported},
		{"plain http sign-in", "identity_provider", func(d *heroku.AccountData) { d.IdentityProvider.SSOTargetURL = "http://sso.x.example/login" }, account.ErrInvalid},
		{"no certificate", "identity_provider", func(d *heroku.AccountData) { d.IdentityProvider.Certificate = "" }, account.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := withIdentityProvider(t, team)
			tc.edit(&d)
			_, err := heroku.AccountSpec(d, heroku.Options{})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("AccountSpec = %v; want %v naming %s", err, tc.want, tc.path)
			}
			var pe *heroku.PathError
			if errors.As(err, &pe) && pe.Path != tc.path {
				t.Errorf("path %q, want %q", pe.Path, tc.path)
			}
		})
	}
	// The caller may import without the settings it could not read.
	d := withIdentityProvider(t, team)
	d.IdentityProvider = nil
	spec, err := heroku.AccountSpec(d, heroku.Options{WithoutIdentityProvider: true})
	if err != nil || spec.IdentityProvider != nil {
		t.Errorf("WithoutIdentityProvider = %+v, %v; want the account without one", spec.IdentityProvider, err)
	}
}
