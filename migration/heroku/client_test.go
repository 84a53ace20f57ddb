package heroku_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/heroku"
	"github.com/entaccess/entaccess/migration/heroku/herokutest"
	"github.com/entaccess/entaccess/permission"
)

func client(s *herokutest.Server) *heroku.Client {
	return &heroku.Client{URL: s.URL, Token: herokutest.Token, Backoff: time.Millisecond}
}

// The recorded account, read page by page and mapped.
func TestClientAccount(t *testing.T) {
	s := herokutest.NewServer()
	defer s.Close()
	d, err := client(s).Account(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if d.Account.ID != "9b1d0c3e-5f7a-4c2b-8e6d-1a2b3c4d5e01" || d.Account.Name != "acme" || len(d.Members) != 5 || len(d.Teams) != 2 || len(d.Teams[0].Members) != 4 {
		t.Fatalf("read %+v", d)
	}
	wantRequests := []string{
		"GET /enterprise-accounts/acme",
		"GET /enterprise-accounts/acme/members",
		"GET /enterprise-accounts/acme/members id ]0a000000-0000-4000-8000-000000000002..; max=2",
		"GET /enterprise-accounts/acme/members id ]0a000000-0000-4000-8000-000000000004..; max=2",
		"GET /enterprise-accounts/acme/teams",
		"GET /teams/2b000000-0000-4000-8000-000000000001/members",
		"GET /teams/2b000000-0000-4000-8000-000000000001/members email ]bob@acme.example..; max=2",
		"GET /teams/2b000000-0000-4000-8000-000000000002/members",
		"GET /teams/acme-web/identity-providers",
	}
	if diff := cmp.Diff(wantRequests, s.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	spec, err := heroku.AccountSpec(d, heroku.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.IdentityProvider == nil {
		t.Fatal("the account's identity provider was not read")
	}
	cert := d.IdentityProvider.Certificate
	want := account.Spec{
		Name: "acme",
		IdentityProvider: &account.IdentityProvider{
			EntityID:     "https://sso.acme.example/saml/metadata",
			SSOTargetURL: "https://sso.acme.example/saml/login",
			SLOTargetURL: "https://sso.acme.example/saml/logout",
			Certificate:  cert,
		},
		Members: []account.Member{
			{User: "alice@acme.example", Permissions: permission.Admin},
			{User: "bob@acme.example", Permissions: permission.View | permission.Billing},
			{User: "carol@acme.example", Permissions: permission.View},
			{User: "dave@acme.example", Permissions: permission.View | permission.Create},
			{User: "erin@acme.example", Permissions: permission.View},
		},
		Teams: []account.Team{
			{Name: "acme-web", Licensed: true, Members: []account.TeamMember{
				{User: "alice@acme.example", Role: account.RoleAdmin}, // owner
				{User: "bob@acme.example", Role: account.RoleMember},
				{User: "carol@acme.example", Role: account.RoleAdmin},
				{User: "frank@contractor.example", Role: account.RoleCollaborator},
			}},
			{Name: "acme-api", Members: []account.TeamMember{
				{User: "alice@acme.example", Role: account.RoleAdmin},
				{User: "dave@acme.example", Role: account.RoleMember},
			}},
		},
	}
	if diff := cmp.Diff(want, spec); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	byID, err := heroku.AccountSpec(d, heroku.Options{ByID: true})
	if err != nil {
		t.Fatal(err)
	}
	if byID.Members[0].User != "1a000000-0000-4000-8000-000000000001" || byID.Teams[0].Members[3].User != "1a000000-0000-4000-8000-000000000006" {
		t.Errorf("by id: %+v", byID)
	}
}

// The teams outside any account form an organization that has not moved;
// the account's teams, one that has.
func TestClientTeamsOrganizations(t *testing.T) {
	s := herokutest.NewServer()
	defer s.Close()
	teams, err := client(s).Teams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var inAcme, outside []heroku.TeamData
	for _, td := range teams {
		switch {
		case td.Team.EnterpriseAccount != nil:
			inAcme = append(inAcme, td)
		case td.Team.Type == "enterprise":
			outside = append(outside, td)
		}
	}
	if len(inAcme) != 2 || len(outside) != 2 {
		t.Fatalf("%d teams in acme, %d Enterprise Teams outside, want 2 and 2", len(inAcme), len(outside))
	}
	org, err := heroku.Organization("globex", outside, heroku.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := migration.Classify(org)
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != migration.Automatic || d.Account.Name != "globex-main" || !d.Account.Members[0].Permissions.Has(permission.Admin) || d.Account.Members[0].User != "gina@globex.example" {
		t.Errorf("globex: %v", d)
	}
	org, err = heroku.Organization("acme", inAcme, heroku.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := migration.Classify(org); err != nil || d.Outcome != migration.NoChange {
		t.Errorf("acme's teams: %v, %v; want no-change, as they are in an account", d, err)
	}
	if _, err := heroku.Organization("mixed", append(outside, inAcme...), heroku.Options{}); !errors.Is(err, heroku.ErrUnsupported) || !strings.Contains(err.Error(), "teams[2].enterprise_account") {
		t.Errorf("teams inside and outside an account = %v, want ErrUnsupported at teams[2].enterprise_account", err)
	}
	if _, err := heroku.Organization("all", teams, heroku.Options{}); !errors.Is(err, heroku.ErrUnsupported) {
		t.Errorf("every team = %v, want ErrUnsupported", err)
	}
}

func TestClientRateLimited(t *testing.T) {
	s := herokutest.NewServer()
	defer s.Close()
	s.RateLimit(3)
	d, err := client(s).Account(context.Background(), "acme")
	if err != nil || d.Account.Name != "acme" {
		t.Fatalf("after 3 answers of 429: %v", err)
	}
	if got := s.Requests(); len(got) != 9+3 || got[0] != got[3] {
		t.Errorf("requests: %q; want the first tried 4 times, then the 8 others", got)
	}
	s.RateLimit(100)
	_, err = client(s).Account(context.Background(), "acme")
	var apiErr *heroku.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusTooManyRequests || apiErr.ID != "rate_limit" {
		t.Fatalf("rate limited beyond the retries = %v, want an APIError 429 rate_limit", err)
	}
	c := client(s)
	c.Backoff = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Account(ctx, "acme"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a context ending during the wait = %v, want DeadlineExceeded", err)
	}
}

func TestClientErrors(t *testing.T) {
	s := herokutest.NewServer()
	defer s.Close()
	var apiErr *heroku.APIError
	bad := &heroku.Client{URL: s.URL, Token: "wrong"}
	if _, err := bad.Account(context.Background(), "acme"); !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.ID != "unauthorized" {
		t.Errorf("a bad token = %v, want 401 unauthorized", err)
	}
	if _, err := client(s).Account(context.Background(), "nope"); !errors.As(err, &apiErr) || apiErr.Status != 404 || !strings.Contains(err.Error(), "/enterprise-accounts/nope") {
		t.Errorf("a missing account = %v, want 404 naming the path", err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	c := &heroku.Client{URL: slow.URL, Token: "t", HTTP: &http.Client{Timeout: 50 * time.Millisecond}}
	if _, err := c.Teams(context.Background()); err == nil || !strings.Contains(err.Error(), "GET /teams") {
		t.Errorf("a server slower than the timeout = %v, want an error", err)
	}
	t.Setenv(heroku.TokenEnv, "")
	if _, err := heroku.ClientFromEnv(); err == nil || !strings.Contains(err.Error(), heroku.TokenEnv) {
		t.Errorf("ClientFromEnv without a token = %v", err)
	}
	t.Setenv(heroku.TokenEnv, "secret")
	if c, err := heroku.ClientFromEnv(); err != nil || c.Token != "secret" {
		t.Errorf("ClientFromEnv = %v, %v", c, err)
	}
	// A document that does not match the schema's types names its entry.
	junk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"id": "t1", "name": "web", "type": "enterprise"}, {"id": 7}]`))
	}))
	defer junk.Close()
	if _, err := (&heroku.Client{URL: junk.URL}).Teams(context.Background()); err == nil || !strings.Contains(err.Error(), "GET /teams: [1]") {
		t.Errorf("a list with a malformed item = %v, want an error naming [1]", err)
	}
}

// An identity provider the API has no request for (owned by the account),
// or missing from its team's list, is not invented.
func TestClientIdentityProviderUnread(t *testing.T) {
	for _, tc := range []struct {
		name, owner string
		wantErr     bool
	}{
		{"owned by the account", `{"id": "ea-1", "name": "x", "type": "enterprise-account"}`, false},
		{"missing from its team's list", `{"id": "t-1", "name": "web", "type": "team"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				paths = append(paths, r.URL.Path)
				if r.URL.Path == "/enterprise-accounts/x" {
					fmt.Fprintf(w, `{"id": "ea-1", "name": "x", "identity_provider": {"id": "idp-1", "name": "x-sso", "owner": %s}}`, tc.owner)
					return
				}
				fmt.Fprint(w, `[]`)
			}))
			defer srv.Close()
			d, err := (&heroku.Client{URL: srv.URL, Token: "t"}).Account(context.Background(), "x")
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), `no identity provider "idp-1"`) {
					t.Fatalf("Account = %v, want an error naming the identity provider", err)
				}
				return
			}
			if err != nil || d.IdentityProvider != nil || slices.ContainsFunc(paths, func(p string) bool { return strings.Contains(p, "identity-providers") }) {
				t.Fatalf("Account = %+v, %v after %q; want no identity provider read", d.IdentityProvider, err, paths)
			}
			if _, err := heroku.AccountSpec(d, heroku.Options{}); !errors.Is(err, heroku.ErrUnsupported) {
				t.Errorf("AccountSpec = %v, want ErrUnsupported", err)
			}
		})
	}
}
