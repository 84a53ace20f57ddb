package account_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

var (
	ssoNow   = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	ssoUntil = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ssoProvider is a valid provider whose certificate expires at ssoUntil.
func ssoProvider() account.IdentityProvider {
	return account.IdentityProvider{
		EntityID:     "https://idp.example.com/saml",
		SSOTargetURL: "https://idp.example.com/saml/sso",
		SLOTargetURL: "https://idp.example.com/saml/slo",
		Certificate:  accounttest.Certificate("idp.example.com", time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC), ssoUntil),
		Enforced:     true,
	}
}

// ssoStore returns a store of an account whose manager is ann, whose
// clock reads *now.
func ssoStore(t *testing.T, now *time.Time, idp *account.IdentityProvider) *account.Store {
	t.Helper()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{
		{User: "ann", Permissions: permission.Manage}, {User: "bob", Permissions: permission.Billing}},
		IdentityProvider: idp})
	if err != nil {
		t.Fatal(err)
	}
	s := account.NewStore(a)
	account.SetClock(s, func() time.Time { return *now })
	return s
}

// TestIdentityProviderInvalid: each invalid field is refused, by the Tx
// step and by New, with its name, and nothing changes.
func TestIdentityProviderInvalid(t *testing.T) {
	good := ssoProvider()
	other := accounttest.Certificate("other.example.com", time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC), ssoUntil)
	for _, tc := range []struct {
		name  string
		edit  func(*account.IdentityProvider)
		field string
		why   string
		atSet bool // refused only by the step, at the time of the change
	}{
		{"empty entity ID", func(p *account.IdentityProvider) { p.EntityID = "" }, "entity_id", "empty entity ID", false},
		{"entity ID too long", func(p *account.IdentityProvider) { p.EntityID = "https://" + strings.Repeat("a", 300) }, "entity_id", "longer than 256", false},
		{"entity ID with a control character", func(p *account.IdentityProvider) { p.EntityID = "idp\x00" }, "entity_id", "entity ID", false},
		{"empty SSO URL", func(p *account.IdentityProvider) { p.SSOTargetURL = "" }, "sso_target_url", "empty SSO target URL", false},
		{"http SSO URL", func(p *account.IdentityProvider) { p.SSOTargetURL = "http://idp.example.com/sso" }, "sso_target_url", `scheme "http", want https`, false},
		{"relative SSO URL", func(p *account.IdentityProvider) { p.SSOTargetURL = "/saml/sso" }, "sso_target_url", "not an absolute URL", false},
		{"SSO URL without host", func(p *account.IdentityProvider) { p.SSOTargetURL = "https:///sso" }, "sso_target_url", "no host", false},
		{"SSO URL with user", func(p *account.IdentityProvider) { p.SSOTargetURL = "https://u:p@idp.example.com/sso" }, "sso_target_url", "user information", false},
		{"SSO URL with fragment", func(p *account.IdentityProvider) { p.SSOTargetURL = "https://idp.example.com/sso#x" }, "sso_target_url", "fragment", false},
		{"SSO URL not a URL", func(p *account.IdentityProvider) { p.SSOTargetURL = "https://idp example.com/%zz" }, "sso_target_url", "not a URL", false},
		{"javascript SLO URL", func(p *account.IdentityProvider) { p.SLOTargetURL = "javascript:alert(1)" }, "slo_target_url", "SLO target URL", false},
		{"http SLO URL", func(p *account.IdentityProvider) { p.SLOTargetURL = "http://idp.example.com/slo" }, "slo_target_url", `scheme "http"`, false},
		{"empty certificate", func(p *account.IdentityProvider) { p.Certificate = "" }, "certificate", "empty certificate", false},
		{"not PEM", func(p *account.IdentityProvider) { p.Certificate = "MIIB" }, "certificate", "not PEM", false},
		{"wrong PEM type", func(p *account.IdentityProvider) {
			p.Certificate = strings.ReplaceAll(p.Certificate, "CERTIFICATE", "PUBLIC KEY")
		}, "certificate", `type "PUBLIC KEY"`, false},
		{"two certificates", func(p *account.IdentityProvider) { p.Certificate += other }, "certificate", "text after the PEM block", false},
		{"text before", func(p *account.IdentityProvider) { p.Certificate = "subject=idp\n" + p.Certificate }, "certificate", "text before the PEM block", false},
		{"not X.509", func(p *account.IdentityProvider) {
			p.Certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
		}, "certificate", "certificate: x509", false},
		{"expired", func(p *account.IdentityProvider) {
			p.Certificate = accounttest.Certificate("old", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), ssoNow.Add(-time.Second))
		}, "certificate", "expired", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.edit(&p)
			now := ssoNow
			before := ssoProvider()
			s := ssoStore(t, &now, &before)
			_, err := s.Update(func(tx *account.Tx) error { return tx.SetIdentityProvider("ann", p) })
			if !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), "identity_provider."+tc.field+": ") || !strings.Contains(err.Error(), tc.why) {
				t.Errorf("SetIdentityProvider: %v; want ErrInvalid naming identity_provider.%s and saying %q", err, tc.field, tc.why)
			}
			if got, _ := s.Load().IdentityProvider(); got != before || s.Load().Revision() != 0 {
				t.Errorf("a refused step changed the account: %+v", got)
			}
			_, err = account.New(account.Spec{Name: "a", Members: []account.Member{{User: "ann", Permissions: permission.Manage}}, IdentityProvider: &p})
			var pe *account.PathError
			switch {
			case tc.atSet && err != nil:
				t.Errorf("New refused a certificate valid in form: %v", err)
			case !tc.atSet && (!errors.As(err, &pe) || pe.Path != "identity_provider."+tc.field || !errors.Is(err, account.ErrInvalid)):
				t.Errorf("New: %v; want a *PathError at identity_provider.%s", err, tc.field)
			}
		})
	}
}

// TestIdentityProviderClock: a certificate is checked against the Store's
// clock at the time of the change; an account keeps one that expires later.
func TestIdentityProviderClock(t *testing.T) {
	now := ssoUntil // the last moment the certificate is valid
	s := ssoStore(t, &now, nil)
	if _, err := s.Update(func(tx *account.Tx) error { return tx.SetIdentityProvider("ann", ssoProvider()) }); err != nil {
		t.Fatalf("at its expiry: %v", err)
	}
	now = ssoUntil.Add(time.Nanosecond)
	_, err := s.Update(func(tx *account.Tx) error { return tx.SetIdentityProvider("ann", ssoProvider()) })
	if !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("after its expiry: %v; want it refused", err)
	}
	if _, ok := s.Load().IdentityProvider(); !ok {
		t.Fatal("the account lost its identity provider")
	}
	// The account, and its JSON, keep the expired certificate; Replay
	// does not refuse it either.
	if _, err := account.New(s.Load().Spec()); err != nil {
		t.Fatalf("New of an account whose certificate expired since: %v", err)
	}
	if _, err := s.Update(func(tx *account.Tx) error { return tx.RemoveIdentityProvider("ann") }); err != nil {
		t.Fatalf("removing an expired identity provider: %v", err)
	}
}

// TestIdentityProviderAuthorization: for every permission set, only a
// holder of Manage may set or remove the identity provider; everyone else
// is refused for view-settings, non-members too.
func TestIdentityProviderAuthorization(t *testing.T) {
	for p := permission.Set(0); p <= permission.Admin; p++ {
		now := ssoNow
		idp := ssoProvider()
		s := ssoStore(t, &now, &idp)
		actor := "carl"
		if p != 0 {
			if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("ann", actor, p) }); err != nil {
				t.Fatal(err)
			}
		}
		want := (p | permission.View).Has(permission.Manage) && p != 0
		replace := ssoProvider()
		replace.Enforced = false
		for name, step := range map[string]func(*account.Tx) error{
			"set":    func(tx *account.Tx) error { return tx.SetIdentityProvider(actor, replace) },
			"remove": func(tx *account.Tx) error { return tx.RemoveIdentityProvider(actor) },
		} {
			before := s.Load()
			_, err := s.Update(step)
			if want != (err == nil) {
				t.Errorf("%s by a member holding %v: %v; want allowed %v", name, p, err, want)
			}
			var fe *account.ForbiddenError
			if !want && (!errors.As(err, &fe) || fe.Action != permission.ViewSettings) {
				t.Errorf("%s by a member holding %v: %v; want a *ForbiddenError for view-settings", name, p, err)
			}
			if !want && s.Load() != before {
				t.Errorf("%s refused but published", name)
			}
		}
	}
}

// TestIdentityProviderEvents: the events of the steps replay to the same
// account; redacted, they show the fingerprint and not the certificate.
func TestIdentityProviderEvents(t *testing.T) {
	now := ssoNow
	s := ssoStore(t, &now, nil)
	base := s.Load()
	var events []account.Event
	s.SetObserver(func(evs []account.Event) { events = append(events, evs...) })
	p := ssoProvider()
	p.Certificate = "\n" + p.Certificate + "\n\n" // canonical form drops the white space
	q := ssoProvider()
	q.SLOTargetURL, q.Enforced = "", false
	for _, step := range []func(*account.Tx) error{
		func(tx *account.Tx) error { return tx.SetIdentityProvider("ann", p) },
		func(tx *account.Tx) error { return tx.SetIdentityProvider("ann", q) },
		func(tx *account.Tx) error { return tx.RemoveIdentityProvider("ann") },
		func(tx *account.Tx) error { return tx.SetIdentityProvider("ann", q) },
	} {
		if _, err := s.Update(step); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Update(func(tx *account.Tx) error {
		if err := tx.RemoveIdentityProvider("ann"); err != nil {
			return err
		}
		return tx.RemoveIdentityProvider("ann")
	})
	if !errors.Is(err, account.ErrNoIdentityProvider) {
		t.Errorf("removing twice: %v; want ErrNoIdentityProvider", err)
	}
	got, ok := s.Load().IdentityProvider()
	if !ok || got != q {
		t.Fatalf("IdentityProvider() = %+v, %v; want %+v", got, ok, q)
	}
	replayed, err := base.Replay(events)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Load().Spec(), replayed.Spec()); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}
	info, err := q.CertificateInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info.Subject != "CN=idp.example.com,O=entaccess test" || !info.NotAfter.Equal(ssoUntil) || len(info.SHA256) != 64 {
		t.Errorf("CertificateInfo = %+v", info)
	}
	for _, e := range events {
		r := e.Redacted()
		for _, text := range []string{r.Before, r.After} {
			if strings.Contains(text, "CERTIFICATE") || text != "" && !strings.Contains(text, `"certificate_sha256":"`+info.SHA256+`"`) {
				t.Errorf("redacted %s: %q; want the fingerprint and no certificate", e.Op, text)
			}
		}
		if strings.Contains(e.LogValue().String(), "CERTIFICATE") {
			t.Errorf("%s logs the certificate", e.Op)
		}
		// Events round-trip through their JSON and still replay.
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var back account.Event
		if err := json.Unmarshal(b, &back); err != nil || !cmp.Equal(e, back) {
			t.Errorf("event JSON round trip: %v, %+v", err, back)
		}
	}
	// A tampered event is a mismatch, never applied.
	for name, edit := range map[string]func(*account.Event){
		"before":         func(e *account.Event) { e.Before = `{"entity_id":"x"}` },
		"after not JSON": func(e *account.Event) { e.After = "{" },
		"after invalid": func(e *account.Event) {
			e.After = strings.Replace(e.After, "https://idp.example.com/saml/sso", "http://idp", 1)
		},
		"not canonical": func(e *account.Event) { e.After = strings.Replace(e.After, `"entity_id"`, ` "entity_id"`, 1) },
		"redacted":      func(e *account.Event) { *e = e.Redacted() },
		"names a user":  func(e *account.Event) { e.User = "ann" },
	} {
		evs := append([]account.Event(nil), events...)
		edit(&evs[0])
		if _, err := base.Replay(evs); !errors.Is(err, account.ErrMismatch) {
			t.Errorf("replay with %s changed: %v; want ErrMismatch", name, err)
		}
	}
}

// TestIdentityProviderJSON: the account's JSON holds the identity provider
// when it has one and not otherwise; decoding names a bad field.
func TestIdentityProviderJSON(t *testing.T) {
	p := ssoProvider()
	a, err := account.New(account.Spec{Name: "a", Members: []account.Member{{User: "ann", Permissions: permission.Manage}}, IdentityProvider: &p})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	back, err := account.ParseJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Spec(), back.Spec()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	none, _ := json.Marshal(account.Spec{Name: "a"})
	if strings.Contains(string(none), "identity_provider") {
		t.Errorf("an account without an identity provider writes %s", none)
	}
	for _, tc := range []struct{ name, in, path string }{
		{"unknown field", `{"name":"a","identity_provider":{"entity_id":"e","sso_url":"x"}}`, "identity_provider"},
		{"wrong type", `{"name":"a","identity_provider":{"enforced":"yes"}}`, "identity_provider.enforced"},
		{"not an object", `{"name":"a","identity_provider":"idp"}`, "identity_provider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s account.Spec
			err := json.Unmarshal([]byte(tc.in), &s)
			var pe *account.PathError
			if !errors.As(err, &pe) || pe.Path != tc.path || !errors.Is(err, account.ErrInvalid) {
				t.Errorf("Unmarshal: %v; want a *PathError at %s", err, tc.path)
			}
		})
	}
}
