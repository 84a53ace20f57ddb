package web_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/examples/dashboard/web"
	"github.com/google/go-cmp/cmp"
)

// newServer returns a dashboard over the demo account, in memory.
func newServer(t *testing.T) (*web.Server, *web.Memory) {
	t.Helper()
	a, err := account.New(web.DemoSpec())
	if err != nil {
		t.Fatal(err)
	}
	mem := web.NewMemory(a, nil)
	srv, err := web.New(web.Config{Backend: mem, Orgs: web.DemoOrgs(), Logger: discard(), DemoSignIn: true, Hosts: []string{"example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, mem
}

// A browser is one session with the dashboard: its cookie and CSRF token.
type browser struct {
	t      *testing.T
	srv    http.Handler
	user   string
	cookie *http.Cookie
	csrf   string
}

type response struct {
	status int
	header http.Header
	body   string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

var loginToken = regexp.MustCompile(`name="token" value="([0-9a-f.]+)"`)

// loginForm opens the sign-in page and returns its token and login cookie.
func (b *browser) loginForm() (string, *http.Cookie) {
	b.t.Helper()
	res := b.get("/login")
	m := loginToken.FindStringSubmatch(res.body)
	if res.status != http.StatusOK || m == nil {
		b.t.Fatalf("GET /login: %d, no token:\n%s", res.status, res.body)
	}
	c := cookieNamed(res.header, "dashboard_login")
	if c == nil || c.Value != m[1] || c.SameSite != http.SameSiteStrictMode || !c.HttpOnly {
		b.t.Fatalf("GET /login: login cookie %v, want an HttpOnly, SameSite=Strict one with the form's token", c)
	}
	return m[1], c
}

// postLogin sends the sign-in form for user with the token and cookie.
func (b *browser) postLogin(user, token string, cookie *http.Cookie) response {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"user": {user}, "token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	rec := httptest.NewRecorder()
	b.srv.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

func cookieNamed(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// signIn signs in as user through the sign-in form and reads the
// session's token.
func signIn(t *testing.T, srv http.Handler, user string) *browser {
	t.Helper()
	b := &browser{t: t, srv: srv, user: user}
	token, cookie := b.loginForm()
	res := b.postLogin(user, token, cookie)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
		t.Fatalf("sign in as %q: %d, Location %q, want 303 to /\n%s", user, res.status, res.header.Get("Location"), res.body)
	}
	b.cookie = cookieNamed(res.header, "dashboard_session")
	if b.cookie == nil || !b.cookie.HttpOnly || b.cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("sign in as %q: session cookie %v, want an HttpOnly, SameSite=Lax one", user, b.cookie)
	}
	home := b.get("/")
	m := csrfField.FindStringSubmatch(home.body)
	if m == nil {
		t.Fatalf("home page of %q has no CSRF token:\n%s", user, home.body)
	}
	b.csrf = m[1]
	return b
}

func (b *browser) do(method, target string, form url.Values) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	rec := httptest.NewRecorder()
	b.srv.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// post sends a form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	f := url.Values{"csrf": {b.csrf}}
	for k, v := range form {
		f[k] = v
	}
	return b.do(http.MethodPost, path, f)
}

var tabLink = regexp.MustCompile(`<li><a href="(/[a-z]+)"[^>]*>(Teams|Access|Settings|Usage)</a></li>`)

// tabsOf returns the labels of the tabs in a page's navigation.
func tabsOf(body string) []string {
	var labels []string
	for _, m := range tabLink.FindAllStringSubmatch(body, -1) {
		labels = append(labels, m[2])
	}
	return labels
}

// personas: the tabs each demo user sees, from the permission table.
var personas = []struct {
	user string
	tabs []string
}{
	{"alice", []string{"Teams", "Access", "Settings", "Usage"}}, // admin
	{"mike", []string{"Teams", "Access", "Settings"}},           // manage
	{"bob", []string{"Teams", "Access", "Usage"}},               // billing
	{"carol", []string{"Teams", "Access"}},                      // create
	{"dave", []string{"Teams", "Access"}},                       // view
	{"erin", nil},                                               // collaborator, not a member
	{"nobody", nil},                                             // unknown user
}

var tabPaths = map[string]string{"Teams": "/teams", "Access": "/access", "Settings": "/settings", "Usage": "/usage"}

// TestTabs checks, for each persona, that the navigation lists exactly the
// tabs their permissions open, that those answer 200, and that the others
// answer exactly like a missing page.
func TestTabs(t *testing.T) {
	srv, _ := newServer(t)
	for _, p := range personas {
		t.Run(p.user, func(t *testing.T) {
			b := signIn(t, srv, p.user)
			if diff := cmp.Diff(p.tabs, tabsOf(b.get("/").body)); diff != "" {
				t.Errorf("tabs (-want +got):\n%s", diff)
			}
			missing := b.get("/no-such-page")
			for label, path := range tabPaths {
				res := b.get(path)
				if slices.Contains(p.tabs, label) {
					if res.status != http.StatusOK {
						t.Errorf("GET %s: %d, want 200", path, res.status)
					}
					if got := tabsOf(res.body); !slices.Equal(got, p.tabs) {
						t.Errorf("GET %s: tabs %v, want %v", path, got, p.tabs)
					}
					continue
				}
				sameAsMissing(t, "GET "+path, missing, res)
			}
		})
	}
}

// sameAsMissing fails unless got is byte for byte the answer to a missing
// page: status, headers (but Date) and body.
func sameAsMissing(t *testing.T, what string, missing, got response) {
	t.Helper()
	if missing.status != http.StatusNotFound {
		t.Fatalf("a missing page answers %d, want 404", missing.status)
	}
	if got.status != missing.status {
		t.Errorf("%s: %d, want %d as for a missing page", what, got.status, missing.status)
	}
	h1, h2 := missing.header.Clone(), got.header.Clone()
	h1.Del("Date")
	h2.Del("Date")
	if diff := cmp.Diff(h1, h2); diff != "" {
		t.Errorf("%s: headers differ from a missing page's (-missing +got):\n%s", what, diff)
	}
	if diff := cmp.Diff(missing.body, got.body); diff != "" {
		t.Errorf("%s: body differs from a missing page's (-missing +got):\n%s", what, diff)
	}
}

// TestHiddenIsMissing sends every method to every path under a tab the user
// may not open, forms included, with a valid token: each answer equals the
// answer to a missing page with the same method.
func TestHiddenIsMissing(t *testing.T) {
	srv, mem := newServer(t)
	paths := map[string][]string{
		"Teams":    {"/teams", "/teams/create", "/teams/rename", "/teams/delete", "/teams/role", "/teams/unassign"},
		"Access":   {"/access", "/access/add", "/access/set", "/access/remove"},
		"Settings": {"/settings", "/settings/audit-log", "/settings/sso", "/settings/sso/remove"},
		"Usage":    {"/usage", "/usage.csv"},
	}
	form := url.Values{"user": {"zoe"}, "perm": {"manage"}, "name": {"x"}, "team": {"web"}, "role": {"admin"}}
	for _, p := range personas {
		t.Run(p.user, func(t *testing.T) {
			b := signIn(t, srv, p.user)
			for label, list := range paths {
				if slices.Contains(p.tabs, label) {
					continue
				}
				for _, path := range list {
					for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete} {
						f := url.Values{"csrf": {b.csrf}}
						for k, v := range form {
							f[k] = v
						}
						missing := b.do(method, "/no-such-page", f)
						sameAsMissing(t, method+" "+path, missing, b.do(method, path, f))
					}
				}
			}
		})
	}
	if rev := mem.Store().Load().Revision(); rev != 0 {
		t.Errorf("revision %d after requests to hidden pages, want 0", rev)
	}
	t.Run("signed out", func(t *testing.T) {
		b := &browser{t: t, srv: srv}
		missing := b.get("/no-such-page")
		for _, list := range paths {
			for _, path := range list {
				sameAsMissing(t, "GET "+path, missing, b.get(path))
			}
		}
		sameAsMissing(t, "GET /migration", missing, b.get("/migration"))
	})
}

// TestForms sends each form as each kind of user and checks the answer and
// whether the account changed.
func TestForms(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		path     string
		form     url.Values
		status   int
		contains string                        // in the body of an error page
		check    func(a *account.Account) bool // true when the change is there
	}{
		{"manager adds a member", "mike", "/access/add", url.Values{"user": {"frank"}, "perm": {"billing"}}, 303, "",
			func(a *account.Account) bool { p, _ := a.Permissions("frank"); return p.String() == "view,billing" }},
		{"viewer may not add a member", "dave", "/access/add", url.Values{"user": {"frank"}, "perm": {"billing"}}, 403,
			`&#34;dave&#34; may not manage-users: holds view; manage-users needs manage`,
			func(a *account.Account) bool { return a.IsMember("frank") }},
		{"billing may not edit permissions", "bob", "/access/set", url.Values{"user": {"bob"}, "perm": {"manage"}}, 403,
			`&#34;bob&#34; may not manage-users: holds view,billing; manage-users needs manage`,
			func(a *account.Account) bool { p, _ := a.Permissions("bob"); return p.String() != "view,billing" }},
		{"manager edits permissions", "mike", "/access/set", url.Values{"user": {"dave"}, "perm": {"billing", "create"}}, 303, "",
			func(a *account.Account) bool {
				p, _ := a.Permissions("dave")
				return p.String() == "view,billing,create"
			}},
		{"creator may not remove a member", "carol", "/access/remove", url.Values{"user": {"dave"}}, 403,
			`&#34;carol&#34; may not manage-users: holds view,create; manage-users needs manage`,
			func(a *account.Account) bool { return !a.IsMember("dave") }},
		{"manager removes a member", "mike", "/access/remove", url.Values{"user": {"dave"}}, 303, "",
			func(a *account.Account) bool { return !a.IsMember("dave") }},
		{"the last admin of a team stays", "mike", "/access/remove", url.Values{"user": {"alice"}}, 409, "team would have no admin",
			func(a *account.Account) bool { return !a.IsMember("alice") }},
		{"unknown permission", "mike", "/access/add", url.Values{"user": {"frank"}, "perm": {"admin"}}, 400, "admin",
			func(a *account.Account) bool { return a.IsMember("frank") }},
		{"creator creates a team", "carol", "/teams/create", url.Values{"name": {"data"}}, 303, "",
			func(a *account.Account) bool { r, _ := a.Role("data", "carol"); return r == account.RoleAdmin }},
		{"manager may not create a team", "mike", "/teams/create", url.Values{"name": {"data"}}, 403,
			`&#34;mike&#34; may not create-teams: holds view,manage; create-teams needs create`,
			func(a *account.Account) bool { _, ok := a.Team("data"); return ok }},
		{"creator renames a team of hers", "carol", "/teams/rename", url.Values{"team": {"api"}, "name": {"backend"}}, 303, "",
			func(a *account.Account) bool { _, ok := a.Team("backend"); return ok }},
		{"creator cannot see a team she has no role in", "carol", "/teams/delete", url.Values{"team": {"web"}}, 404, "no such team",
			func(a *account.Account) bool { _, ok := a.Team("web"); return !ok }},
		{"viewer may not delete a team", "dave", "/teams/delete", url.Values{"team": {"web"}}, 403,
			`&#34;dave&#34; may not create-teams: holds view; create-teams needs create`,
			func(a *account.Account) bool { _, ok := a.Team("web"); return !ok }},
		{"manager sets a role", "mike", "/teams/role", url.Values{"team": {"web"}, "user": {"dave"}, "role": {"viewer"}}, 303, "",
			func(a *account.Account) bool { r, _ := a.Role("web", "dave"); return r == account.RoleViewer }},
		{"team admin sets a role", "carol", "/teams/role", url.Values{"team": {"api"}, "user": {"dave"}, "role": {"member"}}, 303, "",
			func(a *account.Account) bool { r, _ := a.Role("api", "dave"); return r == account.RoleMember }},
		{"team member may not set a role", "dave", "/teams/role", url.Values{"team": {"web"}, "user": {"bob"}, "role": {"admin"}}, 403,
			`&#34;dave&#34; may not manage-teams: holds view; manage-teams needs manage`,
			func(a *account.Account) bool { r, _ := a.Role("web", "bob"); return r == account.RoleAdmin }},
		{"unknown role", "mike", "/teams/role", url.Values{"team": {"web"}, "user": {"dave"}, "role": {"owner"}}, 400, "owner",
			func(a *account.Account) bool { r, _ := a.Role("web", "dave"); return r != account.RoleMember }},
		{"billing may not remove from a team", "bob", "/teams/unassign", url.Values{"team": {"web"}, "user": {"erin"}}, 403,
			`&#34;bob&#34; may not manage-teams: holds view,billing; manage-teams needs manage`,
			func(a *account.Account) bool { r, _ := a.Role("web", "erin"); return r == 0 }},
		{"manager removes a collaborator", "mike", "/teams/unassign", url.Values{"team": {"web"}, "user": {"erin"}}, 303, "",
			func(a *account.Account) bool { r, _ := a.Role("web", "erin"); return r == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, mem := newServer(t)
			b := signIn(t, srv, tt.user)
			res := b.post(tt.path, tt.form)
			if res.status != tt.status {
				t.Fatalf("POST %s %v as %s: %d, want %d\n%s", tt.path, tt.form, tt.user, res.status, tt.status, res.body)
			}
			a := mem.Store().Load()
			if tt.status == http.StatusSeeOther {
				if !tt.check(a) {
					t.Errorf("the change is not in the account: %+v", a.Spec())
				}
				if a.Revision() != 1 {
					t.Errorf("revision %d, want 1", a.Revision())
				}
				if loc := res.header.Get("Location"); loc != tt.path[:strings.LastIndex(tt.path, "/")] {
					t.Errorf("redirect to %q", loc)
				}
				return
			}
			if !strings.Contains(res.body, tt.contains) {
				t.Errorf("the page does not say %q:\n%s", tt.contains, res.body)
			}
			if tt.check(a) || a.Revision() != 0 {
				t.Errorf("a refused change changed the account to revision %d: %+v", a.Revision(), a.Spec())
			}
		})
	}
}

// TestManagerAddsBilling: a member added with Billing by a manager sees
// the Usage tab once signed in.
func TestManagerAddsBilling(t *testing.T) {
	srv, _ := newServer(t)
	frank := signIn(t, srv, "frank")
	if tabs := tabsOf(frank.get("/").body); tabs != nil {
		t.Fatalf("frank sees %v before he is a member", tabs)
	}
	mike := signIn(t, srv, "mike")
	if res := mike.post("/access/add", url.Values{"user": {"frank"}, "perm": {"billing"}}); res.status != http.StatusSeeOther {
		t.Fatalf("add frank: %d\n%s", res.status, res.body)
	}
	if got := mike.get("/access").body; !strings.Contains(got, "Added frank with view,billing.") {
		t.Errorf("the Access page does not confirm the change:\n%s", got)
	}
	if diff := cmp.Diff([]string{"Teams", "Access", "Usage"}, tabsOf(frank.get("/").body)); diff != "" {
		t.Errorf("frank's tabs (-want +got):\n%s", diff)
	}
	if res := frank.get("/usage.csv"); res.status != http.StatusOK || !strings.HasPrefix(res.body, `"team","licensed","dyno_hours","addon_spend_usd"`+"\r\n") || res.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("GET /usage.csv: %d %q\n%s", res.status, res.header.Get("Content-Type"), res.body)
	}
}

// TestCSRF: a form without this session's token is refused and changes
// nothing.
func TestCSRF(t *testing.T) {
	srv, mem := newServer(t)
	mike := signIn(t, srv, "mike")
	other := signIn(t, srv, "alice")
	add := url.Values{"user": {"frank"}, "perm": {"billing"}}
	for name, token := range map[string][]string{
		"missing":       nil,
		"empty":         {""},
		"wrong":         {strings.Repeat("0", 64)},
		"other session": {other.csrf},
		"twice, second": {"x", mike.csrf},
	} {
		t.Run(name, func(t *testing.T) {
			f := url.Values{"user": add["user"], "perm": add["perm"]}
			if token != nil {
				f["csrf"] = token
			}
			res := mike.do(http.MethodPost, "/access/add", f)
			if res.status != http.StatusForbidden || !strings.Contains(res.body, "token") {
				t.Errorf("%d, want 403 about the token\n%s", res.status, res.body)
			}
		})
	}
	if rev := mem.Store().Load().Revision(); rev != 0 {
		t.Errorf("revision %d, want 0", rev)
	}
	// The token in the query string does not count: only the form body.
	if res := mike.do(http.MethodPost, "/access/add?csrf="+mike.csrf, add); res.status != http.StatusForbidden {
		t.Errorf("token in the query: %d, want 403", res.status)
	}
	if res := mike.post("/access/add", add); res.status != http.StatusSeeOther {
		t.Errorf("with the token: %d, want 303", res.status)
	}
}

// TestSignInOut covers the demo sign-in and sign-out.
func TestSignInOut(t *testing.T) {
	srv, _ := newServer(t)
	anon := &browser{t: t, srv: srv}
	for _, bad := range []string{"", " bob", "bob\x00", "a\u200bb", "bob\ue000", "bob\ufdd0", "bob\xff", strings.Repeat("x", 257)} {
		token, cookie := anon.loginForm()
		if res := anon.postLogin(bad, token, cookie); res.status != http.StatusBadRequest || cookieNamed(res.header, "dashboard_session") != nil {
			t.Errorf("sign in as %q: %d, Set-Cookie %q; want 400 and no session cookie", bad, res.status, res.header.Values("Set-Cookie"))
		}
	}
	// The old way, a link that signs in, does nothing.
	if res := anon.get("/login?user=alice"); res.status != http.StatusOK || cookieNamed(res.header, "dashboard_session") != nil {
		t.Errorf("GET /login?user=alice: %d, Set-Cookie %q; want the sign-in page and no session", res.status, res.header.Values("Set-Cookie"))
	}
	if res := anon.get("/login"); res.status != http.StatusOK || !strings.Contains(res.body, "Demo only") || !strings.Contains(res.body, `<label for="login-user">`) {
		t.Errorf("sign-in page: %d\n%s", res.status, res.body)
	}
	b := signIn(t, srv, "dave")
	if res := b.do(http.MethodPost, "/logout", url.Values{}); res.status != http.StatusForbidden {
		t.Errorf("sign out without the token: %d, want 403", res.status)
	}
	if res := b.get("/teams"); res.status != http.StatusOK {
		t.Fatalf("still signed in: GET /teams %d", res.status)
	}
	if res := b.post("/logout", nil); res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
		t.Errorf("sign out: %d to %q, want 303 to /login", res.status, res.header.Get("Location"))
	}
	if res := b.get("/teams"); res.status != http.StatusNotFound {
		t.Errorf("after sign-out, GET /teams with the old cookie: %d, want 404", res.status)
	}
}

// TestMethods: a page the user may open answers a method it does not take
// with 405 and Allow.
func TestMethods(t *testing.T) {
	srv, _ := newServer(t)
	b := signIn(t, srv, "dave")
	for path, allow := range map[string]string{"/teams": "GET, HEAD", "/access/add": "POST", "/": "GET, HEAD", "/logout": "POST"} {
		method := http.MethodPost
		if allow == "POST" {
			method = http.MethodGet
		}
		res := b.do(method, path, nil)
		if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", method, path, res.status, res.header.Get("Allow"), allow)
		}
	}
}

// TestAuditLog: the Settings tab's download lists every change, in order,
// with its actor.
func TestAuditLog(t *testing.T) {
	srv, _ := newServer(t)
	alice := signIn(t, srv, "alice")
	steps := []struct {
		path string
		form url.Values
	}{
		{"/access/add", url.Values{"user": {"frank"}, "perm": {"billing"}}},
		{"/teams/create", url.Values{"name": {"data"}}},
		{"/teams/role", url.Values{"team": {"data"}, "user": {"frank"}, "role": {"viewer"}}},
	}
	for _, s := range steps {
		if res := alice.post(s.path, s.form); res.status != http.StatusSeeOther {
			t.Fatalf("POST %s: %d\n%s", s.path, res.status, res.body)
		}
	}
	// A refused change is not in the log.
	signIn(t, srv, "dave").post("/access/add", url.Values{"user": {"zoe"}})
	res := alice.get("/settings/audit-log")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/jsonl; charset=utf-8" ||
		res.header.Get("Content-Disposition") != "attachment; filename*=UTF-8''acme-audit-log.jsonl" {
		t.Fatalf("GET /settings/audit-log: %d %v", res.status, res.header)
	}
	type rec struct {
		Revision                                   uint64
		Actor, Op, Team, User, Before, After, Time string
	}
	var got []rec
	sc := bufio.NewScanner(strings.NewReader(res.body))
	for sc.Scan() {
		var r rec
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if r.Time == "" {
			t.Errorf("line %q has no time", sc.Text())
		}
		r.Time = ""
		got = append(got, r)
	}
	want := []rec{
		{Revision: 1, Actor: "alice", Op: "add-member", User: "frank", After: "view,billing"},
		{Revision: 2, Actor: "alice", Op: "create-team", Team: "data", User: "alice", After: "data"},
		{Revision: 3, Actor: "alice", Op: "set-team-role", Team: "data", User: "frank", After: "viewer"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
}

// TestMigration: the banner for official members of an organization moved
// by hand, never for its collaborators; the new account item for members
// of an account created automatically.
func TestMigration(t *testing.T) {
	srv, _ := newServer(t)
	tests := []struct {
		user    string
		banner  bool
		newItem bool
	}{
		{"alice", false, true},
		{"mike", true, false},
		{"bob", false, true},
		{"carol", false, true},
		{"dave", true, false},
		{"erin", false, false}, // collaborator in globex and in hooli
		{"gus", true, false},   // member of globex only
		{"nobody", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			b := signIn(t, srv, tt.user)
			for _, path := range []string{"/", "/migration"} {
				body := b.get(path).body
				if got := strings.Contains(body, "Contact support about globex"); got != tt.banner {
					t.Errorf("%s: banner %v, want %v", path, got, tt.banner)
				}
				if got := strings.Contains(body, `<span class="square" aria-hidden="true"></span>hooli-main`); got != tt.newItem {
					t.Errorf("%s: new account item %v, want %v", path, got, tt.newItem)
				}
			}
		})
	}
	erin := signIn(t, srv, "erin").get("/migration").body
	for _, want := range []string{"you are only a collaborator, so you see no banner", "you are only a collaborator, not a member of the new Enterprise Account"} {
		if !strings.Contains(erin, want) {
			t.Errorf("erin's migration page does not say %q:\n%s", want, erin)
		}
	}
}

// TestNew rejects a bad configuration with an error naming the entry.
func TestNew(t *testing.T) {
	if _, err := web.New(web.Config{}); err == nil {
		t.Error("New without a backend: no error")
	}
	a, _ := account.New(web.DemoSpec())
	orgs := web.DemoOrgs()
	orgs[1].Teams[0].Members[0].User = " alice"
	_, err := web.New(web.Config{Backend: web.NewMemory(a, nil), Orgs: orgs, DemoSignIn: true, Hosts: []string{"localhost"}})
	if err == nil || !strings.Contains(err.Error(), "organizations[1]") || !strings.Contains(err.Error(), `" alice"`) {
		t.Errorf("New with a bad organization: %v, want an error naming organizations[1] and the user", err)
	}
	header := httpauthz.Header("X-User")
	for _, tt := range []struct {
		name string
		cfg  web.Config
		want string
	}{
		{"no sign-in", web.Config{}, "no way to sign in"},
		{"both sign-ins", web.Config{Identity: header, DemoSignIn: true, Hosts: []string{"localhost"}}, "both Identity and DemoSignIn"},
		{"demo sign-in without hosts", web.Config{DemoSignIn: true}, "DemoSignIn needs Hosts"},
		{"an empty host", web.Config{Identity: header, Hosts: []string{"localhost", ""}}, `hosts[1]: ""`},
		{"a URL for a host", web.Config{Identity: header, Hosts: []string{"http://localhost/"}}, `hosts[0]: "http://localhost/"`},
	} {
		tt.cfg.Backend = web.NewMemory(a, nil)
		if _, err := web.New(tt.cfg); !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New: %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
}

// TestBodyLimit: a form over 64 KiB is refused with 413 and changes nothing.
func TestBodyLimit(t *testing.T) {
	srv, mem := newServer(t)
	mike := signIn(t, srv, "mike")
	res := mike.post("/access/add", url.Values{"user": {"frank"}, "pad": {strings.Repeat("x", 65<<10)}})
	if res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 65 KiB form: %d, want 413", res.status)
	}
	if rev := mem.Store().Load().Revision(); rev != 0 {
		t.Errorf("revision %d, want 0", rev)
	}
}
