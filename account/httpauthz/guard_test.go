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
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
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
	user := httpauthz.Header("X-User")
	tests := []struct {
		name    string
		act     permission.Action
		user    string
		opts    []httpauthz.Option
		status  int
		allowed *account.Decision   // for 200
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
				Detail: "the request does not say which user it acts for",
				Action: permission.ViewTeams, Reason: httpauthz.ReasonUnidentified},
		},
		{
			name: "refused as not found", act: permission.ViewSettings, user: "carol", status: http.StatusNotFound,
			opts:    []httpauthz.Option{httpauthz.RefuseAsNotFound()},
			problem: &httpauthz.Problem{Type: "about:blank", Title: "Not Found", Status: 404},
		},
		{
			name: "unknown user as not found", act: permission.ViewTeams, user: "mallory", status: http.StatusNotFound,
			opts:    []httpauthz.Option{httpauthz.RefuseAsNotFound()},
			problem: &httpauthz.Problem{Type: "about:blank", Title: "Not Found", Status: 404},
		},
		{
			// Still 401, but without naming the action of the hidden resource.
			name: "unidentified with not found option is still 401", act: permission.ViewTeams, user: "", status: http.StatusUnauthorized,
			opts: []httpauthz.Option{httpauthz.RefuseAsNotFound()},
			problem: &httpauthz.Problem{Type: httpauthz.TypeUnidentified, Title: "User not identified", Status: 401,
				Detail: "the request does not say which user it acts for", Reason: httpauthz.ReasonUnidentified},
		},
		{
			name: "allowed with not found option", act: permission.ViewSettings, user: "alice", status: http.StatusOK,
			opts: []httpauthz.Option{httpauthz.RefuseAsNotFound()},
			allowed: &account.Decision{Allowed: true, User: "alice", Action: permission.ViewSettings, Member: true,
				Holds: permission.Admin, Needs: permission.Manage},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hooked []account.Decision
			opts := append(tt.opts, httpauthz.OnDecision(func(_ *http.Request, d account.Decision) { hooked = append(hooked, d) }))
			h := httpauthz.Require(store, tt.act, user, opts...)(echo)
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
	h := httpauthz.Require(testStore(t), permission.CreateTeams, httpauthz.Header("X-User"))(echo)
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
	h = httpauthz.Require(testStore(t), permission.CreateTeams, httpauthz.Header("X-User"), httpauthz.RefuseAsNotFound())(echo)
	w = serve(h, request("bob"))
	want = `{"type":"about:blank","title":"Not Found","status":404}` + "\n"
	if diff := cmp.Diff(want, w.Body.String()); diff != "" {
		t.Errorf("404 body (-want +got):\n%s", diff)
	}
}

func TestNextNotCalledWhenRefused(t *testing.T) {
	called := false
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
	h := httpauthz.Require(testStore(t), permission.ManageUsers, httpauthz.Header("X-User"))(next)
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
			h := httpauthz.Require(testStore(t), permission.ViewUsage, httpauthz.Header("X-User"), tt.opts...)(echo)
			w := serve(h, request(tt.user))
			if got := w.Header().Get("WWW-Authenticate"); got != tt.want {
				t.Errorf("WWW-Authenticate = %q, want %q (status %d)", got, tt.want, w.Code)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	f := httpauthz.Header("x-user") // any case
	tests := []struct {
		name   string
		header http.Header
		user   string
		ok     bool
	}{
		{"set", http.Header{"X-User": {"alice"}}, "alice", true},
		{"missing", http.Header{}, "", false},
		{"empty", http.Header{"X-User": {""}}, "", false},
		// Two field lines, say one from the client and one from a proxy:
		// the request does not say which user it acts for.
		{"two values", http.Header{"X-User": {"alice", "bob"}}, "", false},
		{"the same value twice", http.Header{"X-User": {"alice", "alice"}}, "", false},
		{"an empty value and another", http.Header{"X-User": {"", "alice"}}, "", false},
		{"a value and an empty one", http.Header{"X-User": {"alice", ""}}, "", false},
		{"a comma is part of the name", http.Header{"X-User": {"doe, jane"}}, "doe, jane", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header = tt.header
			u, ok := f(r)
			if u != tt.user || ok != tt.ok {
				t.Errorf("got (%q, %v), want (%q, %v)", u, ok, tt.user, tt.ok)
			}
		})
	}
}

// TestAmbiguousUser sends the user header twice: Require must refuse the
// request as unidentified, not pick one of the users.
func TestAmbiguousUser(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("next handler ran for an ambiguous user") })
	for _, users := range [][]string{{"mallory", "alice"}, {"alice", "mallory"}, {"alice", "alice"}} {
		t.Run(strings.Join(users, ","), func(t *testing.T) {
			h := httpauthz.Require(testStore(t), permission.ViewUsage, httpauthz.Header("X-User"))(next)
			r := httptest.NewRequest(http.MethodGet, "/usage", nil)
			r.Header["X-User"] = users
			w := serve(h, r)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", w.Code, w.Body)
			}
			want := httpauthz.Problem{Type: httpauthz.TypeUnidentified, Title: "User not identified", Status: 401,
				Detail: "the request does not say which user it acts for",
				Action: permission.ViewUsage, Reason: httpauthz.ReasonUnidentified}
			if diff := cmp.Diff(want, decodeProblem(t, w)); diff != "" {
				t.Errorf("problem (-want +got):\n%s", diff)
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
	user := httpauthz.Header("X-User")
	tests := []struct {
		name string
		call func()
	}{
		{"zero action", func() { httpauthz.Require(store, 0, user) }},
		{"action outside the table", func() { httpauthz.Require(store, permission.CreateTeams+1, user) }},
		{"nil source", func() { httpauthz.Require(nil, permission.ViewTeams, user) }},
		{"nil user func", func() { httpauthz.Require(store, permission.ViewTeams, nil) }},
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
	h := httpauthz.Require(testStore(t), permission.ViewUsage, httpauthz.Header("X-User"), httpauthz.OnDecision(httpauthz.Log(l)))(echo)
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
	h = httpauthz.Require(testStore(t), permission.ViewUsage, httpauthz.Header("X-User"), httpauthz.OnDecision(httpauthz.Log(quiet)))(echo)
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
	h := httpauthz.Require(testStore(t), permission.ViewTeams, httpauthz.Header("X-User"),
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
	srv := httptest.NewServer(httpauthz.Require(store, permission.ViewUsage, httpauthz.Header("X-User"))(echo))
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
