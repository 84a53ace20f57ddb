package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
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
	forbidden    = `{"type":"` + httpauthz.TypeForbidden + `","title":"Action not allowed","status":403,"detail":`
	unidentified = `{"type":"` + httpauthz.TypeUnidentified + `","title":"User not identified","status":401,"detail":"no X-User header: the request does not say which user it acts for","reason":"unidentified"}` + "\n"
	notFound     = `{"type":"about:blank","title":"Not Found","status":404}` + "\n"
	notAllowed   = `{"type":"about:blank","title":"Method Not Allowed","status":405}` + "\n"
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
		{"no user", call{"GET", "/teams", "", "", 401, unidentified}},
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
		{"settings without user", call{"GET", "/settings", "", "", 401, unidentified}},
		{"no such route without user", call{"GET", "/nowhere", "", "", 401, unidentified}},
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
		{"no such route", call{"GET", "/nowhere", "alice", "", 404, notFound}},
		{"method not allowed", call{"PATCH", "/teams", "dave", "", 405, notAllowed}},
		{"settings, method not allowed", call{"POST", "/settings", "alice", "", 405, notAllowed}},
		{"create team with invalid UTF-8", call{"POST", "/teams", "carol", "{\"name\": \"da\xffta\"}", 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"request body: name: \"da\\xffta\": not valid UTF-8"}` + "\n"}},
		{"create team with a repeated key", call{"POST", "/teams", "carol", `{"name": "data", "name": "web"}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"request body: field \"name\" repeated"}` + "\n"}},
		{"create team with an unknown key", call{"POST", "/teams", "carol", `{"name": "data", "licensed": true}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"request body: unknown field \"licensed\""}` + "\n"}},
		{"create team with a lone surrogate", call{"POST", "/teams", "carol", `{"name": "da\ud800ta"}`, 400,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"request body: name: \"da\\\\ud800ta\": not valid UTF-8"}` + "\n"}},
		{"create team, body too large", call{"POST", "/teams", "carol", `{"name": "` + strings.Repeat("a", maxBody) + `"}`, 413,
			`{"type":"about:blank","title":"Request Entity Too Large","status":413,"detail":"request body: more than 65536 bytes"}` + "\n"}},
		{"add member, body too large", call{"POST", "/members", "alice", `{"user": "dan", "permissions": []}` + strings.Repeat(" ", maxBody), 413,
			`{"type":"about:blank","title":"Request Entity Too Large","status":413,"detail":"request body: more than 65536 bytes"}` + "\n"}},
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
	revoke := httpauthz.OnDecision(func(_ *http.Request, d account.Decision) {
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
	call{"POST", "/settings", "", "", 401, unidentified}.do(t, h)
	want := "level=WARN msg=authorization allowed=false user=bob action=view-settings member=true holds=view,billing needs=manage method=GET path=/settings\n" +
		"level=WARN msg=authorization allowed=false user=\"\" action=\"\" member=false holds=\"\" needs=\"\" method=POST path=/settings\n"
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
	go func() {
		errc <- serve(ctx, ln, newHandler(newStore(t, nil), slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler))
	}()

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

// response is what a client can see of an answer: status, headers but
// Date, and body, with the path mask (if not "") replaced by "{path}".
type response struct {
	Status int
	Header http.Header
	Body   string
}

func fetch(t *testing.T, url, method, path, user, mask string) response {
	t.Helper()
	return fetchToken(t, url, method, path, user, mask, nil)
}

// fetchToken is fetch with the freshness header's lines token (none if nil).
func fetchToken(t *testing.T, url, method, path, user, mask string, token []string) response {
	t.Helper()
	req, err := http.NewRequest(method, url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if token != nil {
		req.Header[revisionHeader] = token
	}
	// Do not follow redirects: they are answers to compare as well.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	masked := func(s string) string {
		if mask == "" {
			return s
		}
		return strings.ReplaceAll(s, mask, "{path}")
	}
	h := resp.Header.Clone()
	h.Del("Date")
	for k, vs := range h {
		for i, v := range vs {
			h[k][i] = masked(v)
		}
	}
	return response{resp.StatusCode, h, masked(string(body))}
}

// TestHiddenLikeMissing asks for /settings and /settings/audit-log as
// users who may not see them, and for a path no route has: the answers must
// be the same, whatever the method, so that nothing tells the hidden routes
// exist.
func TestHiddenLikeMissing(t *testing.T) {
	j := newJournal(t)
	srv := httptest.NewServer(newServer(j.Store(), j, slog.New(slog.DiscardHandler), httpauthz.Fresh(revisionHeader, 5*time.Millisecond)))
	defer srv.Close()
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	// Freshness tokens, without and with the header: reached, not reached
	// (the journal is at revision 0), and malformed.
	tokens := map[string][]string{"no token": nil, "reached": {"0"}, "future": {"5"}, "malformed": {"x"}, "twice": {"0", "0"}}
	// /no-route has as many bytes as /settings, so that even a redirect to
	// either has the same Content-Length.
	pairs := []struct{ hidden, missing string }{
		{"/settings", "/no-route"},
		{"/settings?x=1", "/no-route?x=1"},
		{"/settings/", "/no-route/"},
		{"/a/../settings", "/a/../no-route"}, // both redirect to the clean path
		{"/settings/audit-log", "/no-route/audit-log"},
		{"/settings/audit-log?after=1", "/no-route/audit-log?after=1"},
		{"/settings/audit-log?after=x", "/no-route/audit-log?after=x"},
		{"/settings/audit-log?user=bob", "/no-route/audit-log?user=bob"},
		{"/settings/audit-log?user=", "/no-route/audit-log?user="},
		{"/settings/audit-log?since=2026-05-04T09:30:00Z&until=2026-05-05T09:30:00Z", "/no-route/audit-log?since=2026-05-04T09:30:00Z&until=2026-05-05T09:30:00Z"},
		{"/settings/audit-log?since=x&until=y", "/no-route/audit-log?since=x&until=y"},
		{"/settings/audit-log?since=2026-05-05T00:00:00Z&until=2026-05-04T00:00:00Z", "/no-route/audit-log?since=2026-05-05T00:00:00Z&until=2026-05-04T00:00:00Z"},
		{"/settings/audit-log/", "/no-route/audit-log/"},
		{"/a/../settings/audit-log", "/a/../no-route/audit-log"},
		{"/settings//audit-log", "/no-route//audit-log"},
		{"/settings/sso", "/no-route/sso"},
		{"/settings/sso/", "/no-route/sso/"},
	}
	// bob is a member without manage; mallory and erin (a collaborator) are
	// not members; "" names no user.
	for _, user := range []string{"bob", "mallory", "erin", ""} {
		for _, m := range methods {
			for _, p := range pairs {
				t.Run(user+" "+m+" "+p.hidden, func(t *testing.T) {
					for name, token := range tokens {
						hidden := fetchToken(t, srv.URL, m, p.hidden, user, "/settings", token)
						missing := fetchToken(t, srv.URL, m, p.missing, user, "/no-route", token)
						if diff := cmp.Diff(missing, hidden); diff != "" {
							t.Errorf("%s: %s %s differs from %s (-missing +hidden):\n%s", name, m, p.hidden, p.missing, diff)
						}
						if ct := hidden.Header.Get("Content-Type"); hidden.Status >= 400 && ct != "application/problem+json" {
							t.Errorf("%s: %s %s: status %d with Content-Type %q", name, m, p.hidden, hidden.Status, ct)
						}
					}
				})
			}
		}
	}
}

// TestHiddenShownToWhoMaySee checks that alice, who may view the settings,
// gets them, and 405 with Allow for the methods the route does not take.
func TestHiddenShownToWhoMaySee(t *testing.T) {
	j := newJournal(t)
	srv := httptest.NewServer(newServer(j.Store(), j, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	tests := []struct {
		method string
		want   response
	}{
		{"GET", response{200, http.Header{"Content-Type": {"application/json"}, "Content-Length": {"36"}, "Cache-Control": {"private, no-store"}, "Vary": {"X-User"}},
			`{"managers":["alice"],"revision":0}` + "\n"}},
		{"HEAD", response{200, http.Header{"Content-Type": {"application/json"}, "Content-Length": {"36"}, "Cache-Control": {"private, no-store"}, "Vary": {"X-User"}}, ""}},
		{"POST", notAllowedResponse("GET, HEAD")},
		{"OPTIONS", notAllowedResponse("GET, HEAD")},
		{"DELETE", notAllowedResponse("GET, HEAD")},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, fetch(t, srv.URL, tt.method, "/settings", "alice", "")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// So does the audit log.
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		if diff := cmp.Diff(notAllowedResponse("GET, HEAD"), fetch(t, srv.URL, m, "/settings/audit-log", "alice", "")); diff != "" {
			t.Errorf("%s /settings/audit-log (-want +got):\n%s", m, diff)
		}
	}
	// A route no one hides answers 405 the same way.
	if diff := cmp.Diff(notAllowedResponse("GET, HEAD, POST"), fetch(t, srv.URL, "PATCH", "/teams", "dave", "")); diff != "" {
		t.Errorf("PATCH /teams (-want +got):\n%s", diff)
	}
}

func notAllowedResponse(allow string) response {
	return response{405, http.Header{
		"Allow":                  {allow},
		"Cache-Control":          {"private, no-store"},
		"Content-Length":         {strconv.Itoa(len(notAllowed))},
		"Content-Type":           {"application/problem+json"},
		"Vary":                   {"X-User"},
		"X-Content-Type-Options": {"nosniff"},
	}, notAllowed}
}

// TestUnauthorized checks that every 401 says how to authenticate, on any
// path, and that naming two users is naming none.
func TestUnauthorized(t *testing.T) {
	srv := httptest.NewServer(newHandler(newStore(t, nil), slog.New(slog.DiscardHandler)))
	defer srv.Close()
	want := response{401, http.Header{
		"Cache-Control":          {"private, no-store"},
		"Content-Length":         {strconv.Itoa(len(unidentified))},
		"Content-Type":           {"application/problem+json"},
		"Vary":                   {"X-User"},
		"Www-Authenticate":       {challenge},
		"X-Content-Type-Options": {"nosniff"},
	}, unidentified}
	for _, path := range []string{"/teams", "/usage", "/settings", "/nowhere"} {
		if diff := cmp.Diff(want, fetch(t, srv.URL, "GET", path, "", "")); diff != "" {
			t.Errorf("GET %s without user (-want +got):\n%s", path, diff)
		}
	}
	for _, users := range [][]string{
		{"dave", "bob"}, // as if a client sent one and a proxy another
		{"dave, bob"},   // the same, as a proxy joins them
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/usage", nil)
		req.Header["X-User"] = users
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != challenge || !strings.Contains(string(body), "X-User") {
			t.Errorf("GET /usage as %q: %s, WWW-Authenticate %q\n%s", users, resp.Status, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
}

// TestRunStopsWithContext ends run's context instead.
func TestRunStopsWithContext(t *testing.T) {
	ln, addr := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, ln, t.TempDir(), slog.New(slog.DiscardHandler)) }()
	waitServing(t, addr)
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run still serving 5s after its context ended")
	}
}

func listen(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

// waitServing asks addr for /usage as bob and wants 200. The listener is
// open, so the request waits until the server answers it.
func waitServing(t *testing.T, addr string) {
	t.Helper()
	req, _ := http.NewRequest("GET", addr+"/usage", nil)
	req.Header.Set("X-User", "bob")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /usage as bob: %s", resp.Status)
	}
}
