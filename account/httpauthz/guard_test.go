package httpauthz_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

// testStore returns a store whose account has alice (admin), bob (view,
// billing) and carol (view).
func testStore(t testing.TB) *account.Store {
	t.Helper()
	a, err := account.New(account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "alice", Permissions: permission.Admin},
			{User: "bob", Permissions: permission.Billing},
			{User: "carol", Permissions: permission.View},
		},
		Teams: []account.Team{{Name: "web", Licensed: true, Members: []account.TeamMember{{User: "alice", Role: account.RoleAdmin}}}},
	})
	if err != nil {
		t.Fatalf("account.New: %v", err)
	}
	return account.NewStore(a)
}

// require guards a route of an account in src with act, for the user in
// the X-User header.
func require(src httpauthz.Source, act permission.Action, opts ...httpauthz.Option) func(http.Handler) http.Handler {
	return httpauthz.New(src, httpauthz.Header("X-User"), opts...).Require(act)
}

// hide is require with Hide.
func hide(src httpauthz.Source, act permission.Action, opts ...httpauthz.Option) func(http.Handler) http.Handler {
	return httpauthz.New(src, httpauthz.Header("X-User"), opts...).Hide(act)
}

// seen is what the guarded handler saw.
type seen struct {
	Decision account.Decision
	Revision uint64
}

// echo is a guarded handler that answers 200 with what it saw, as JSON.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	d, ok := httpauthz.DecisionFrom(r.Context())
	a := httpauthz.AccountFrom(r.Context())
	if !ok || a == nil {
		http.Error(w, "no decision in context", http.StatusInternalServerError)
		return
	}
	json.NewEncoder(w).Encode(seen{Decision: d, Revision: a.Revision()})
})

func request(user string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/usage", nil)
	if user != "" {
		r.Header.Set("X-User", user)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder) httpauthz.Problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("Cache-Control = %q, want private, no-store", cc)
	}
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	var p httpauthz.Problem
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decoding problem body: %v", err)
	}
	return p
}

func TestRequire(t *testing.T) {
	store := testStore(t)
	tests := []struct {
		name    string
		act     permission.Action
		user    string
		hide    bool // Hide instead of Require
		status  int
		allowed *account.Decision  // for 200
		problem *httpauthz.Problem // otherwise
	}{
		{
			name: "allowed by billing", act: permission.ViewUsage, user: "bob", status: http.StatusOK,
			allowed: &account.Decision{Allowed: true, User: "bob", Action: permission.ViewUsage, Member: true,
				Holds: permission.View | permission.Billing, Needs: permission.Billing},
		},
		{
			name: "allowed by view", act: permission.ViewTeams, user: "carol", status: http.StatusOK,
			allowed: &account.Decision{Allowed: true, User: "carol", Action: permission.ViewTeams, Member: true,
				Holds: permission.View, Needs: permission.Admin},
		},
		{
			name: "refused member", act: permission.ManageUsers, user: "bob", status: http.StatusForbidden,
			problem: &httpauthz.Problem{Type: httpauthz.TypeForbidden, Title: "Action not allowed", Status: 403,
				Detail: `"bob" may not manage-users: holds view,billing; manage-users needs manage`,
				Action: permission.ManageUsers, Reason: httpauthz.ReasonMissingPermission},
		},
		{
			name: "unknown user", act: permission.ViewTeams, user: "mallory", status: http.StatusForbidden,
			problem: &httpauthz.Problem{Type: httpauthz.TypeForbidden, Title: "Action not allowed", Status: 403,
				Detail: `"mallory" may not view-teams: not an account member`,
				Action: permission.ViewTeams, Reason: httpauthz.ReasonNotMember},
		},
		{
			name: "unidentified", act: permission.ViewTeams, user: "", status: http.StatusUnauthorized,
			problem: &httpauthz.Problem{Type: httpauthz.TypeUnidentified, Title: "User not identified", Status: 401,
				Detail: "no X-User header: the request does not say which user it acts for",
				Action: permission.ViewTeams, Reason: httpauthz.ReasonUnidentified},
		},
		{
			name: "refused as not found", act: permission.ViewSettings, user: "carol", status: http.StatusNotFound,
			hide:    true,
			problem: &httpauthz.Problem{Type: "about:blank", Title: "Not Found", Status: 404},
		},
		{
			name: "unknown user as not found", act: permission.ViewTeams, user: "mallory", status: http.StatusNotFound,
			hide:    true,
			problem: &httpauthz.Problem{Type: "about:blank", Title: "Not Found", Status: 404},
		},
		{
			// Still 401, but without naming the action of the hidden resource.
			name: "unidentified on a hidden route is still 401", act: permission.ViewTeams, user: "", status: http.StatusUnauthorized,
			hide: true,
			problem: &httpauthz.Problem{Type: httpauthz.TypeUnidentified, Title: "User not identified", Status: 401,
				Detail: "no X-User header: the request does not say which user it acts for", Reason: httpauthz.ReasonUnidentified},
		},
		{
			name: "allowed on a hidden route", act: permission.ViewSettings, user: "alice", status: http.StatusOK,
			hide: true,
			allowed: &account.Decision{Allowed: true, User: "alice", Action: permission.ViewSettings, Member: true,
				Holds: permission.Admin, Needs: permission.Manage},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hooked []account.Decision
			g := httpauthz.New(store, httpauthz.Header("X-User"), httpauthz.OnDecision(func(_ *http.Request, d account.Decision) { hooked = append(hooked, d) }))
			route := g.Require
			if tt.hide {
				route = g.Hide
			}
			h := route(tt.act)(echo)
			w := serve(h, request(tt.user))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			want := store.Load().Explain(tt.user, tt.act)
			if diff := cmp.Diff([]account.Decision{want}, hooked); diff != "" {
				t.Errorf("hook saw (-want +got):\n%s", diff)
			}
			if tt.allowed != nil {
				var got seen
				if err := json.NewDecoder(w.Body).Decode(&got); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(seen{Decision: *tt.allowed, Revision: 0}, got); diff != "" {
					t.Errorf("handler saw (-want +got):\n%s", diff)
				}
				return
			}
			if diff := cmp.Diff(*tt.problem, decodeProblem(t, w)); diff != "" {
				t.Errorf("problem (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProblemJSONForm(t *testing.T) {
	h := require(testStore(t), permission.CreateTeams)(echo)
	w := serve(h, request("bob"))
	want := `{"type":"` + httpauthz.TypeForbidden + `","title":"Action not allowed","status":403,` +
		`"detail":"\"bob\" may not create-teams: holds view,billing; create-teams needs create",` +
		`"action":"create-teams","reason":"missing-permission"}` + "\n"
	if diff := cmp.Diff(want, w.Body.String()); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if got, want := w.Header().Get("Content-Length"), strconv.Itoa(len(want)); got != want {
		t.Errorf("Content-Length = %s, want %s", got, want)
	}

	// A hidden refusal says nothing about the action.
	h = hide(testStore(t), permission.CreateTeams)(echo)
	w = serve(h, request("bob"))
	want = `{"type":"about:blank","title":"Not Found","status":404}` + "\n"
	if diff := cmp.Diff(want, w.Body.String()); diff != "" {
		t.Errorf("404 body (-want +got):\n%s", diff)
	}
}

func TestNextNotCalledWhenRefused(t *testing.T) {
	called := false
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
	h := require(testStore(t), permission.ManageUsers)(next)
	for _, u := range []string{"", "carol", "nobody"} {
		serve(h, request(u))
	}
	if called {
		t.Error("next handler ran for a refused request")
	}
}

func TestChallenge(t *testing.T) {
	const c = `Bearer realm="acme"`
	tests := []struct {
		name string
		opts []httpauthz.Option
		user string
		want string
	}{
		{"unidentified", []httpauthz.Option{httpauthz.Challenge(c)}, "", c},
		{"unidentified without the option", nil, "", ""},
		{"refused", []httpauthz.Option{httpauthz.Challenge(c)}, "carol", ""},
		{"allowed", []httpauthz.Option{httpauthz.Challenge(c)}, "bob", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := require(testStore(t), permission.ViewUsage, tt.opts...)(echo)
			w := serve(h, request(tt.user))
			if got := w.Header().Get("WWW-Authenticate"); got != tt.want {
				t.Errorf("WWW-Authenticate = %q, want %q (status %d)", got, tt.want, w.Code)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	id := httpauthz.Header("x-user") // any case
	if diff := cmp.Diff([]string{"X-User"}, id.Vary); diff != "" {
		t.Errorf("Vary (-want +got):\n%s", diff)
	}
	tests := []struct {
		name   string
		header http.Header
		user   string
		err    string // in the error; "" for none
	}{
		{"set", http.Header{"X-User": {"alice"}}, "alice", ""},
		{"missing", http.Header{}, "", "no X-User header"},
		{"empty", http.Header{"X-User": {""}}, "", "no X-User header"},
		// Two field lines, say one from the client and one from a proxy:
		// the request does not say which user it acts for.
		{"two values", http.Header{"X-User": {"alice", "bob"}}, "", "sent 2 times"},
		{"the same value twice", http.Header{"X-User": {"alice", "alice"}}, "", "sent 2 times"},
		{"an empty value and another", http.Header{"X-User": {"", "alice"}}, "", "sent 2 times"},
		{"a value and an empty one", http.Header{"X-User": {"alice", ""}}, "", "sent 2 times"},
		// The same two lines as a proxy joins them (RFC 9110, 5.3).
		{"two users joined", http.Header{"X-User": {"alice, bob"}}, "", "comma"},
		{"two users joined without a space", http.Header{"X-User": {"alice,bob"}}, "", "comma"},
		{"a trailing comma", http.Header{"X-User": {"alice,"}}, "", "comma"},
		{"a comma alone", http.Header{"X-User": {","}}, "", "comma"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header = tt.header
			u, err := id.User(r)
			if u != tt.user {
				t.Errorf("user %q, want %q", u, tt.user)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.err != "" && (!errors.Is(err, httpauthz.ErrUnidentified) || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want one matching ErrUnidentified and saying %q", err, tt.err)
			}
		})
	}
}

// TestAmbiguousUser sends the user header twice, or two users in one
// header line as a proxy joins them: the guard must refuse the request as
// unidentified, saying why, and not pick one of the users.
func TestAmbiguousUser(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("next handler ran for an ambiguous user") })
	const sentTwice = "header X-User sent 2 times, so it names no single user: the request does not say which user it acts for"
	const joined = "header X-User holds a comma, as when a proxy joins several users into one line: the request does not say which user it acts for"
	for _, tt := range []struct {
		users  []string
		detail string
	}{
		{[]string{"mallory", "alice"}, sentTwice},
		{[]string{"alice", "mallory"}, sentTwice},
		{[]string{"alice", "alice"}, sentTwice},
		{[]string{"alice, bob"}, joined},
		{[]string{"mallory,alice"}, joined},
	} {
		t.Run(strings.Join(tt.users, "|"), func(t *testing.T) {
			g := httpauthz.New(testStore(t), httpauthz.Header("X-User"))
			for name, h := range map[string]http.Handler{"route": g.Require(permission.ViewUsage)(next), "before routing": g.Handler(next)} {
				r := httptest.NewRequest(http.MethodGet, "/usage", nil)
				r.Header["X-User"] = tt.users
				w := serve(h, r)
				if w.Code != http.StatusUnauthorized {
					t.Fatalf("%s: status = %d, want 401; body %s", name, w.Code, w.Body)
				}
				want := httpauthz.Problem{Type: httpauthz.TypeUnidentified, Title: "User not identified", Status: 401,
					Detail: tt.detail, Action: permission.ViewUsage, Reason: httpauthz.ReasonUnidentified}
				if name == "before routing" {
					want.Action = 0
				}
				if diff := cmp.Diff(want, decodeProblem(t, w)); diff != "" {
					t.Errorf("%s: problem (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

// TestIdentityErrors: an Identity's error wrapping ErrUnidentified is the
// 401's detail; any other error is a 401 that does not show it.
func TestIdentityErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		detail string
	}{
		{"unidentified", fmt.Errorf("session expired: %w", httpauthz.ErrUnidentified), "session expired: the request does not say which user it acts for"},
		{"other error", errors.New("token store at 10.0.0.7: connection refused"), "the request does not say which user it acts for"},
		{"no user, no error", nil, "the request does not say which user it acts for"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := httpauthz.Identity{User: func(*http.Request) (string, error) { return "", tt.err }, Vary: []string{"cookie"}}
			w := serve(httpauthz.New(testStore(t), id).Handler(echo), request(""))
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", w.Code)
			}
			if got := w.Header().Get("Vary"); got != "Cookie" {
				t.Errorf("Vary %q, want Cookie", got)
			}
			if p := decodeProblem(t, w); p.Detail != tt.detail {
				t.Errorf("detail %q, want %q", p.Detail, tt.detail)
			}
		})
	}
}

func TestWriteProblemStatus(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   int
	}{
		{"zero", 0, 500},
		{"negative", -404, 500},
		{"below any status", 99, 500},
		{"informational", 100, 500},
		{"success", 200, 500},
		{"no content", 204, 500},
		{"redirect", 302, 500},
		{"above any status", 1000, 500},
		{"beyond 599", 600, 500},
		{"client error", 400, 400},
		{"not found", 404, 404},
		{"last client error", 499, 499},
		{"server error", 503, 503},
		{"last server error", 599, 599},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			func() {
				defer func() {
					if v := recover(); v != nil {
						t.Fatalf("WriteProblem panicked: %v", v)
					}
				}()
				httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Something", Status: tt.status, Detail: "what"})
			}()
			if w.Code != tt.want {
				t.Errorf("status = %d, want %d", w.Code, tt.want)
			}
			want := httpauthz.Problem{Type: "about:blank", Title: "Something", Status: tt.want, Detail: "what"}
			if diff := cmp.Diff(want, decodeProblem(t, w)); diff != "" {
				t.Errorf("problem (-want +got):\n%s", diff)
			}
		})
	}
}

func TestContextWithoutRequire(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if d, ok := httpauthz.DecisionFrom(r.Context()); ok || d != (account.Decision{}) {
		t.Errorf("DecisionFrom = %v, %v; want zero, false", d, ok)
	}
	if a := httpauthz.AccountFrom(r.Context()); a != nil {
		t.Errorf("AccountFrom = %v, want nil", a)
	}
}

func TestRequirePanicsOnProgrammerError(t *testing.T) {
	store := testStore(t)
	g := httpauthz.New(store, httpauthz.Header("X-User"))
	tests := []struct {
		name string
		call func()
	}{
		{"zero action", func() { g.Require(0) }},
		{"action outside the table", func() { g.Require(permission.CreateTeams + 1) }},
		{"zero action, hidden", func() { g.Hide(0) }},
		{"action outside the table, hidden", func() { g.Hide(permission.CreateTeams + 1) }},
		{"nil source", func() { httpauthz.New(nil, httpauthz.Header("X-User")) }},
		{"nil user func", func() { httpauthz.New(store, httpauthz.Identity{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.call()
		})
	}
}

func TestLog(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	h := require(testStore(t), permission.ViewUsage, httpauthz.OnDecision(httpauthz.Log(l)))(echo)
	for _, u := range []string{"bob", "carol", ""} {
		serve(h, request(u))
	}
	want := `level=INFO msg=authorization allowed=true user=bob action=view-usage member=true holds=view,billing needs=billing method=GET path=/usage
level=WARN msg=authorization allowed=false user=carol action=view-usage member=true holds=view needs=billing method=GET path=/usage
level=WARN msg=authorization allowed=false user="" action=view-usage member=false holds="" needs=billing method=GET path=/usage
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}

	// A level above Warn logs nothing.
	buf.Reset()
	quiet := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}))
	h = require(testStore(t), permission.ViewUsage, httpauthz.OnDecision(httpauthz.Log(quiet)))(echo)
	serve(h, request("carol"))
	if buf.Len() != 0 {
		t.Errorf("logged at level Error: %s", buf.String())
	}
}

func TestHooksRunInOrder(t *testing.T) {
	var order []string
	hook := func(name string) httpauthz.Hook {
		return func(*http.Request, account.Decision) { order = append(order, name) }
	}
	h := require(testStore(t), permission.ViewTeams,
		httpauthz.OnDecision(hook("first")), httpauthz.OnDecision(nil), httpauthz.OnDecision(hook("second")))(echo)
	serve(h, request("alice"))
	if diff := cmp.Diff([]string{"first", "second"}, order); diff != "" {
		t.Errorf("hooks ran (-want +got):\n%s", diff)
	}
}

// TestConcurrentUpdates sends requests while another goroutine flips bob's
// Billing permission: every answer must agree with one snapshot, the one
// the handler saw. Run it with -race.
func TestConcurrentUpdates(t *testing.T) {
	store := testStore(t)
	// Revision 0: bob holds billing. Each update flips it, so bob holds
	// billing exactly in the even revisions.
	flip := func(tx *account.Tx) error {
		p, _ := tx.Account().Permissions("bob")
		return tx.SetPermissions("alice", "bob", p^permission.Billing)
	}
	srv := httptest.NewServer(require(store, permission.ViewUsage)(echo))
	defer srv.Close()

	const updates, workers, perWorker = 200, 4, 50
	var wg sync.WaitGroup
	wg.Go(func() {
		for range updates {
			if _, err := store.Update(flip); err != nil {
				t.Errorf("Update: %v", err)
				return
			}
		}
	})
	errs := make(chan error, workers*perWorker)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				errs <- checkOne(srv.URL)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := store.Load().Revision(); got != updates {
		t.Errorf("final revision = %d, want %d", got, updates)
	}
}

// checkOne asks for /usage as bob and checks that the answer is consistent.
func checkOne(url string) error {
	req, _ := http.NewRequest(http.MethodGet, url+"/usage", nil)
	req.Header.Set("X-User", "bob")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var s seen
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			return err
		}
		if s.Revision%2 != 0 || !s.Decision.Allowed || !s.Decision.Holds.Has(permission.Billing) {
			return fmt.Errorf("allowed on revision %d with decision %v", s.Revision, s.Decision)
		}
	case http.StatusForbidden:
		var p httpauthz.Problem
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			return err
		}
		if p.Reason != httpauthz.ReasonMissingPermission || !strings.Contains(p.Detail, "holds view;") {
			return fmt.Errorf("refusal %+v", p)
		}
	default:
		return errors.New("unexpected status " + resp.Status)
	}
	return nil
}
