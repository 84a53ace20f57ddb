package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/examples/middleware"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

func newStore(t testing.TB, edit func(*account.Spec)) *account.Store {
	t.Helper()
	s := demoSpec()
	if edit != nil {
		edit(&s)
	}
	a, err := account.New(s)
	if err != nil {
		t.Fatalf("account.New: %v", err)
	}
	return account.NewStore(a)
}

// call is one request and the response it should get.
type call struct {
	method, path, user, body string
	status                   int
	want                     string // the exact response body
}

func (c call) do(t *testing.T, h http.Handler) {
	t.Helper()
	r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
	if c.user != "" {
		r.Header.Set("X-User", c.user)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != c.status {
		t.Errorf("%s %s as %q: status %d, want %d; body %s", c.method, c.path, c.user, w.Code, c.status, w.Body)
	}
	if diff := cmp.Diff(c.want, w.Body.String()); diff != "" {
		t.Errorf("%s %s as %q: body (-want +got):\n%s", c.method, c.path, c.user, diff)
	}
}

const (
	forbidden    = `{"type":"` + middleware.TypeForbidden + `","title":"Action not allowed","status":403,"detail":`
	unidentified = `{"type":"` + middleware.TypeUnidentified + `","title":"User not identified","status":401,"detail":"the request does not say which user it acts for",`
	notFound     = `{"type":"about:blank","title":"Not Found","status":404}` + "\n"
)

func TestRoutes(t *testing.T) {
	tests := []struct {
		name string
		call
	}{
		{"teams of an admin", call{"GET", "/teams", "alice", "", 200,
			`{"revision":0,"teams":[{"name":"api","licensed":false,"role":"admin"},{"name":"web","licensed":true,"role":"admin"}]}` + "\n"}},
		{"teams of a viewer", call{"GET", "/teams", "bob", "", 200,
			`{"revision":0,"teams":[{"name":"web","licensed":true,"role":"viewer"}]}` + "\n"}},
		{"teams of a member in none", call{"GET", "/teams", "carol", "", 200, `{"revision":0,"teams":[]}` + "\n"}},
		{"collaborator is no member", call{"GET", "/teams", "erin", "", 403,
			forbidden + `"\"erin\" may not view-teams: not an account member","action":"view-teams","reason":"not-a-member"}` + "\n"}},
		{"no user", call{"GET", "/teams", "", "", 401, unidentified + `"action":"view-teams","reason":"unidentified"}` + "\n"}},
		{"access", call{"GET", "/access", "dave", "", 200,
			`{"members":[{"user":"alice","permissions":["view","billing","manage","create"]},{"user":"bob","permissions":["view","billing"]},` +
				`{"user":"carol","permissions":["view","create"]},{"user":"dave","permissions":["view"]}],"revision":0}` + "\n"}},
		{"usage allowed by billing", call{"GET", "/usage", "bob", "", 200,
			`{"licensed_teams":["web"],"members":4,"revision":0,"teams":2}` + "\n"}},
		{"usage refused", call{"GET", "/usage", "dave", "", 403,
			forbidden + `"\"dave\" may not view-usage: holds view; view-usage needs billing","action":"view-usage","reason":"missing-permission"}` + "\n"}},
		{"settings", call{"GET", "/settings", "alice", "", 200, `{"managers":["alice"],"revision":0}` + "\n"}},
		{"settings hidden", call{"GET", "/settings", "bob", "", 404, notFound}},
		{"settings hidden from strangers", call{"GET", "/settings", "mallory", "", 404, notFound}},
		{"settings without user", call{"GET", "/settings", "", "", 401, unidentified + `"action":"view-settings","reason":"unidentified"}` + "\n"}},
		{"add member", call{"POST", "/members", "alice", `{"user": "dan", "permissions": ["billing"]}`, 201,
			`{"member":{"user":"dan","permissions":["view","billing"]},"revision":1}` + "\n"}},
		{"add member refused", call{"POST", "/members", "carol", `{"user": "dan", "permissions": []}`, 403,
			forbidden + `"\"carol\" may not manage-users: holds view,create; manage-users needs manage","action":"manage-users","reason":"missing-permission"}` + "\n"}},
		{"add existing member", call{"POST", "/members", "alice", `{"user": "bob", "permissions": []}`, 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"account: add-member: user \"bob\": already exists"}` + "\n"}},
		{"add member with unknown permission", call{"POST", "/members", "alice", `{"user": "dan", "permissions": ["owner"]}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"request body: account: permissions[0]: unknown permission \"owner\": invalid"}` + "\n"}},
		{"add member with unknown field", call{"POST", "/members", "alice", `{"user": "dan", "perms": []}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"request body: account: unknown field \"perms\": invalid"}` + "\n"}},
		{"add empty user", call{"POST", "/members", "alice", `{"user": "", "permissions": []}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"account: add-member: empty user: invalid"}` + "\n"}},
		{"two bodies", call{"POST", "/members", "alice", `{"user": "dan", "permissions": []} {}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"request body: more than one JSON value"}` + "\n"}},
		{"create team", call{"POST", "/teams", "carol", `{"name": "data"}`, 201,
			`{"revision":1,"team":{"name":"data","licensed":false,"members":[{"user":"carol","role":"admin"}]}}` + "\n"}},
		{"create existing team", call{"POST", "/teams", "carol", `{"name": "web"}`, 409,
			`{"type":"about:blank","title":"Conflict","status":409,"detail":"account: create-team: team \"web\": already exists"}` + "\n"}},
		{"create team refused", call{"POST", "/teams", "bob", `{"name": "data"}`, 403,
			forbidden + `"\"bob\" may not create-teams: holds view,billing; create-teams needs create","action":"create-teams","reason":"missing-permission"}` + "\n"}},
		{"delete a team the user is in", call{"DELETE", "/teams/api", "alice", "", 204, ""}},
		// carol may create-teams, so the middleware lets her through, but she
		// has no role in web: the Tx step reports it as missing.
		{"delete a team the user is not in", call{"DELETE", "/teams/web", "carol", "", 404,
			`{"type":"about:blank","title":"Not Found","status":404,"detail":"account: delete-team: team \"web\": no such team"}` + "\n"}},
		{"delete refused", call{"DELETE", "/teams/web", "dave", "", 403,
			forbidden + `"\"dave\" may not create-teams: holds view; create-teams needs create","action":"create-teams","reason":"missing-permission"}` + "\n"}},
		{"no such route", call{"GET", "/nowhere", "alice", "", 404, "404 page not found\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.do(t, newHandler(newStore(t, nil), slog.New(slog.DiscardHandler)))
		})
	}
}

// TestChangesShowUp runs a sequence of changes and reads them back.
func TestChangesShowUp(t *testing.T) {
	h := newHandler(newStore(t, nil), slog.New(slog.DiscardHandler))
	for _, c := range []call{
		{"POST", "/members", "alice", `{"user": "dan", "permissions": ["create"]}`, 201,
			`{"member":{"user":"dan","permissions":["view","create"]},"revision":1}` + "\n"},
		{"POST", "/teams", "dan", `{"name": "data"}`, 201,
			`{"revision":2,"team":{"name":"data","licensed":false,"members":[{"user":"dan","role":"admin"}]}}` + "\n"},
		{"GET", "/teams", "dan", "", 200, `{"revision":2,"teams":[{"name":"data","licensed":false,"role":"admin"}]}` + "\n"},
		{"DELETE", "/teams/data", "dan", "", 204, ""},
		{"GET", "/teams", "dan", "", 200, `{"revision":3,"teams":[]}` + "\n"},
	} {
		c.do(t, h)
	}
}

// TestTxChecksAgain revokes the actor's Manage after the middleware allowed
// the request and before the handler's update: the Tx step refuses it.
func TestTxChecksAgain(t *testing.T) {
	store := newStore(t, func(s *account.Spec) {
		s.Members = append(s.Members, account.Member{User: "mia", Permissions: permission.Manage})
	})
	revoke := middleware.OnDecision(func(_ *http.Request, d account.Decision) {
		if d.User == "mia" && d.Allowed {
			_, err := store.Update(func(tx *account.Tx) error { return tx.SetPermissions("alice", "mia", permission.View) })
			if err != nil {
				t.Errorf("revoking: %v", err)
			}
		}
	})
	h := newHandler(store, slog.New(slog.DiscardHandler), revoke)
	call{"POST", "/members", "mia", `{"user": "dan", "permissions": []}`, 403,
		forbidden + `"\"mia\" may not manage-users: holds view; manage-users needs manage","action":"manage-users","reason":"missing-permission"}` + "\n",
	}.do(t, h)
	if store.Load().IsMember("dan") {
		t.Error("dan was added")
	}
}

func TestDecisionsAreLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(g []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(g) == 0 {
			return slog.Attr{}
		}
		return a
	}}))
	h := newHandler(newStore(t, nil), logger)
	call{"GET", "/settings", "bob", "", 404, notFound}.do(t, h)
	want := "level=WARN msg=authorization allowed=false user=bob action=view-settings member=true holds=view,billing needs=manage method=GET path=/settings\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- serve(ctx, ln, newHandler(newStore(t, nil), slog.New(slog.DiscardHandler))) }()

	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/usage", nil)
	req.Header.Set("X-User", "bob")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"licensed_teams":["web"]`) {
		t.Errorf("GET /usage: %s %s", resp.Status, body)
	}

	cancel()
	if err := <-errc; err != nil {
		t.Errorf("serve returned %v after shutdown", err)
	}
}
