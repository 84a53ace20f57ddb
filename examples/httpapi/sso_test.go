package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account/accounttest"
)

// TestSSO: alice, who holds Manage, sets up single sign-on, reads it back
// with the certificate described, is refused an http URL by field name,
// and removes it; every change is a step of the Store.
func TestSSO(t *testing.T) {
	store := newStore(t, nil)
	h := newServer(store, nil, slog.New(slog.DiscardHandler))
	send := func(method, user, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/settings/sso", strings.NewReader(body))
		r.Header.Set("X-User", user)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := send("GET", "alice", ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"identity_provider":null`) {
		t.Fatalf("GET before: %d %s", w.Code, w.Body)
	}
	p := accounttest.IdentityProvider("idp.example.com", true)
	info, _ := p.CertificateInfo()
	body, _ := json.Marshal(p)
	bad := strings.Replace(string(body), "https://idp.example.com/saml/slo", "http://idp.example.com/saml/slo", 1)
	if w := send("PUT", "alice", bad); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "identity_provider.slo_target_url") {
		t.Errorf("PUT with an http SLO URL: %d %s; want 400 naming the field", w.Code, w.Body)
	}
	if w := send("PUT", "alice", `{"entity_id":"e","sso":"x"}`); w.Code != http.StatusBadRequest {
		t.Errorf("PUT with an unknown field: %d %s; want 400", w.Code, w.Body)
	}
	if store.Load().Revision() != 0 {
		t.Fatal("a refused PUT changed the account")
	}
	if w := send("PUT", "alice", string(body)); w.Code != http.StatusOK || w.Header().Get(revisionHeader) != "1" {
		t.Fatalf("PUT: %d %s", w.Code, w.Body)
	}
	w := send("GET", "alice", "")
	var got struct {
		Provider map[string]any `json:"identity_provider"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Provider["entity_id"] != p.EntityID || got.Provider["certificate_sha256"] != info.SHA256 || got.Provider["certificate_subject"] != info.Subject || got.Provider["enforced"] != true {
		t.Errorf("GET after PUT: %s", w.Body)
	}
	if w := send("DELETE", "alice", ""); w.Code != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", w.Code, w.Body)
	}
	if w := send("DELETE", "alice", ""); w.Code != http.StatusNotFound {
		t.Errorf("DELETE again: %d %s; want 404", w.Code, w.Body)
	}
	if w := send("PATCH", "alice", ""); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "DELETE, GET, HEAD, PUT" {
		t.Errorf("PATCH: %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
}
