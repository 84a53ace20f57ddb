package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
)

func ssoForm(p account.IdentityProvider) url.Values {
	f := url.Values{"entity_id": {p.EntityID}, "sso_target_url": {p.SSOTargetURL}, "slo_target_url": {p.SLOTargetURL}, "certificate": {p.Certificate}}
	if p.Enforced {
		f.Set("enforced", "on")
	}
	return f
}

// TestSettingsSSO: a Manage holder sets up single sign-on and sees it, with
// the certificate described rather than shown; a bad field is refused by
// name and changes nothing; the audit log shows the fingerprint; removing
// it ends it.
func TestSettingsSSO(t *testing.T) {
	srv, mem := newServer(t)
	mike := signIn(t, srv, "mike") // manage
	if res := mike.get("/settings"); !strings.Contains(res.body, "Single sign-on is not set up.") {
		t.Fatalf("GET /settings before: %d\n%s", res.status, res.body)
	}
	p := accounttest.IdentityProvider("idp.example.com", true)
	info, err := p.CertificateInfo()
	if err != nil {
		t.Fatal(err)
	}

	bad := ssoForm(p)
	bad.Set("sso_target_url", "http://idp.example.com/saml/sso")
	if res := mike.post("/settings/sso", bad); res.status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(res.body), "identity_provider.sso_target_url") {
		t.Errorf("POST /settings/sso with an http URL: %d, want 400 naming the field\n%s", res.status, res.body)
	}
	if rev := mem.Store().Load().Revision(); rev != 0 {
		t.Fatalf("a refused form changed the account: revision %d", rev)
	}
	noToken := ssoForm(p)
	if res := mike.do(http.MethodPost, "/settings/sso", noToken); res.status != http.StatusForbidden || mem.Store().Load().Revision() != 0 {
		t.Errorf("POST /settings/sso without the CSRF token: %d, want 403 and no change", res.status)
	}

	if res := mike.post("/settings/sso", ssoForm(p)); res.status != http.StatusSeeOther {
		t.Fatalf("POST /settings/sso: %d\n%s", res.status, res.body)
	}
	got, ok := mem.Store().Load().IdentityProvider()
	if !ok || got != p {
		t.Fatalf("identity provider %+v, %v; want %+v", got, ok, p)
	}
	page := html.UnescapeString(mike.get("/settings").body)
	for _, want := range []string{p.EntityID, p.SSOTargetURL, p.SLOTargetURL, info.Subject, info.SHA256, info.NotAfter.Format(time.RFC3339), "required for members"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Settings tab does not show %q", want)
		}
	}
	if strings.Contains(page, "expires at") || strings.Contains(page, "expired at") {
		t.Errorf("a warning for a certificate valid until %v", info.NotAfter)
	}
	log := mike.get("/settings/audit-log").body
	if strings.Contains(log, "CERTIFICATE") || !strings.Contains(log, info.SHA256) {
		t.Errorf("audit log: want the fingerprint, not the certificate:\n%s", log)
	}

	// A certificate that expires within 30 days is accepted, with a warning.
	soon := p
	soon.Certificate = accounttest.Certificate("soon.example.com", time.Now().Add(-time.Hour), time.Now().Add(10*24*time.Hour))
	if res := mike.post("/settings/sso", ssoForm(soon)); res.status != http.StatusSeeOther {
		t.Fatalf("POST /settings/sso, certificate expiring soon: %d\n%s", res.status, res.body)
	}
	if page := mike.get("/settings").body; !strings.Contains(page, "within 30 days") {
		t.Errorf("no warning for a certificate that expires within 30 days")
	}

	if res := mike.post("/settings/sso/remove", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("POST /settings/sso/remove: %d\n%s", res.status, res.body)
	}
	if _, ok := mem.Store().Load().IdentityProvider(); ok {
		t.Error("the identity provider is still set after removing it")
	}
	if res := mike.post("/settings/sso/remove", url.Values{}); res.status != http.StatusConflict {
		t.Errorf("removing it again: %d, want 409", res.status)
	}
}
