package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/examples/dashboard/web"
)

// TestSessionsPerUser: one user signing in again and again ends only their
// own oldest sessions; everyone else stays signed in.
func TestSessionsPerUser(t *testing.T) {
	srv, _ := newServer(t)
	alice := signIn(t, srv, "alice")
	var mallory []*browser
	for range 50 {
		mallory = append(mallory, signIn(t, srv, "mallory"))
	}
	if res := alice.get("/settings"); res.status != http.StatusOK {
		t.Errorf("after 50 sign-ins of mallory, alice's GET /settings: %d, want 200", res.status)
	}
	signedIn := 0
	for _, m := range mallory {
		if strings.Contains(m.get("/").body, "Signed in as <strong>mallory</strong>") {
			signedIn++
		}
	}
	if signedIn != 10 {
		t.Errorf("mallory is signed in in %d browsers, want her last 10", signedIn)
	}
	if !strings.Contains(mallory[len(mallory)-1].get("/").body, "Signed in as <strong>mallory</strong>") {
		t.Error("mallory's newest session ended")
	}
}

// TestLoginCSRF: a sign-in without the form's token, or with a token that
// does not match the browser's login cookie, signs no one in.
func TestLoginCSRF(t *testing.T) {
	srv, _ := newServer(t)
	victim := &browser{t: t, srv: srv}
	attacker := &browser{t: t, srv: srv}
	token, _ := attacker.loginForm()
	ownToken, ownCookie := victim.loginForm()
	for _, tt := range []struct {
		name   string
		token  string
		cookie *http.Cookie
	}{
		{"no token, no cookie", "", nil},
		{"a token, no cookie", token, nil},
		{"no token, the cookie", "", ownCookie},
		{"another browser's token", token, ownCookie},
		{"a made-up token", strings.Repeat("0", 64), ownCookie},
		{"a cookie and token both made up", "x", &http.Cookie{Name: "dashboard_login", Value: "x"}},
		{"the cookie's value, on a session cookie", ownToken, &http.Cookie{Name: "dashboard_session", Value: ownToken}},
	} {
		res := victim.postLogin("mallory", tt.token, tt.cookie)
		if res.status != http.StatusForbidden || cookieNamed(res.header, "dashboard_session") != nil {
			t.Errorf("%s: %d, Set-Cookie %q; want 403 and no session", tt.name, res.status, res.header.Values("Set-Cookie"))
		}
	}
	if res := victim.postLogin("dave", ownToken, ownCookie); res.status != http.StatusSeeOther {
		t.Errorf("with its own token and cookie: %d, want 303", res.status)
	}
}

// TestLoginTokenExpires: a sign-in form older than 30 minutes is refused.
func TestLoginTokenExpires(t *testing.T) {
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	a, _ := account.New(web.DemoSpec())
	srv, err := web.New(web.Config{Backend: web.NewMemory(a, nil), Logger: discard(), DemoSignIn: true, Hosts: []string{"example.com"},
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, srv: srv}
	token, cookie := b.loginForm()
	now = now.Add(31 * time.Minute)
	if res := b.postLogin("alice", token, cookie); res.status != http.StatusForbidden {
		t.Errorf("a 31-minute-old form: %d, want 403", res.status)
	}
	token, cookie = b.loginForm()
	now = now.Add(29 * time.Minute)
	if res := b.postLogin("alice", token, cookie); res.status != http.StatusSeeOther {
		t.Errorf("a 29-minute-old form: %d, want 303", res.status)
	}
}

// TestHosts: the dashboard answers only the host names it is given; any
// other Host gets 421 and no page, sign-in included.
func TestHosts(t *testing.T) {
	srv, mem := newServer(t) // Hosts: example.com
	for _, host := range []string{"evil.example", "example.com.evil.example", "127.0.0.1:8081", ""} {
		for _, path := range []string{"/", "/login", "/teams", "/no-such-page"} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				req := httptest.NewRequest(method, path, strings.NewReader("user=alice"))
				req.Host = host
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusMisdirectedRequest || rec.Header().Get("Set-Cookie") != "" {
					t.Errorf("%s %s for host %q: %d, Set-Cookie %q; want 421 and no cookie", method, path, host, rec.Code, rec.Header().Get("Set-Cookie"))
				}
			}
		}
	}
	for _, host := range []string{"example.com", "EXAMPLE.com"} {
		req := httptest.NewRequest(http.MethodGet, "/login", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET /login for host %q: %d, want 200", host, rec.Code)
		}
	}
	if rev := mem.Store().Load().Revision(); rev != 0 {
		t.Errorf("revision %d, want 0", rev)
	}
}

// identityServer returns a dashboard whose users are named by a proxy in
// the X-User header.
func identityServer(t *testing.T, secure bool) (*web.Server, *web.Memory) {
	t.Helper()
	a, err := account.New(web.DemoSpec())
	if err != nil {
		t.Fatal(err)
	}
	mem := web.NewMemory(a, nil)
	srv, err := web.New(web.Config{Backend: mem, Orgs: web.DemoOrgs(), Logger: discard(), Identity: httpauthz.Header("X-User"), Secure: secure})
	if err != nil {
		t.Fatal(err)
	}
	return srv, mem
}

func asUser(srv http.Handler, method, target, user string, cookie *http.Cookie, form url.Values) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// TestIdentity: with an identity function, the user comes from it on
// every request; there is no demo sign-in; a session made for one user
// never serves another; forms still need the session's token.
func TestIdentity(t *testing.T) {
	srv, mem := identityServer(t, false)
	missing := asUser(srv, http.MethodGet, "/no-such-page", "alice", nil, nil)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		got := asUser(srv, method, "/login?user=alice", "", nil, url.Values{"user": {"alice"}})
		if got.Code != http.StatusNotFound || cookieNamed(got.Header(), "dashboard_session") != nil {
			t.Errorf("%s /login without the demo sign-in: %d, want 404 as for a missing page, and no session", method, got.Code)
		}
	}
	if body := missing.Body.String(); strings.Contains(body, "Demo only") || strings.Contains(body, "/login") {
		t.Errorf("a page mentions the demo sign-in, which is off:\n%s", body)
	}

	res := asUser(srv, http.MethodGet, "/access", "mike", nil, nil)
	session := cookieNamed(res.Header(), "dashboard_session")
	m := csrfField.FindStringSubmatch(res.Body.String())
	if res.Code != http.StatusOK || session == nil || m == nil {
		t.Fatalf("GET /access as mike: %d, session %v; want 200, a session and a form token\n%s", res.Code, session, res.Body)
	}
	add := url.Values{"user": {"frank"}, "perm": {"billing"}}
	// Without the token, or with mike's session and token as dave: refused.
	if res := asUser(srv, http.MethodPost, "/access/add", "mike", session, add); res.Code != http.StatusForbidden {
		t.Errorf("POST without the token: %d, want 403", res.Code)
	}
	withToken := url.Values{"user": {"frank"}, "perm": {"billing"}, "csrf": {m[1]}}
	res = asUser(srv, http.MethodPost, "/access/add", "dave", session, withToken)
	if res.Code != http.StatusForbidden || !strings.Contains(res.Body.String(), "token") {
		t.Errorf("dave with mike's session and token: %d, want 403 about the token\n%s", res.Code, res.Body)
	}
	if mem.Store().Load().IsMember("frank") {
		t.Fatal("frank was added by a refused form")
	}
	if res := asUser(srv, http.MethodPost, "/access/add", "mike", session, withToken); res.Code != http.StatusSeeOther {
		t.Errorf("mike with his session and token: %d, want 303\n%s", res.Code, res.Body)
	}
	// The identity, not the cookie, says who is asking.
	if res := asUser(srv, http.MethodGet, "/settings", "", session, nil); res.Code != http.StatusNotFound {
		t.Errorf("mike's session without the identity: GET /settings %d, want 404", res.Code)
	}
	if res := asUser(srv, http.MethodGet, "/settings", "dave", session, nil); res.Code != http.StatusNotFound {
		t.Errorf("mike's session with dave's identity: GET /settings %d, want 404", res.Code)
	}
	if res := asUser(srv, http.MethodGet, "/settings", "mike, alice", session, nil); res.Code != http.StatusNotFound {
		t.Errorf("two users in the identity header: GET /settings %d, want 404", res.Code)
	}
}

// TestSecureCookie: with Secure, the session and login cookies are Secure
// and carry the __Host- prefix (Path=/, no Domain); without, neither.
func TestSecureCookie(t *testing.T) {
	srv, _ := identityServer(t, true)
	res := asUser(srv, http.MethodGet, "/", "alice", nil, nil)
	c := cookieNamed(res.Header(), "__Host-dashboard_session")
	if c == nil || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
		t.Errorf("Secure: session cookie %v (all: %q), want __Host-dashboard_session, Secure, HttpOnly, Path=/, no Domain", c, res.Header().Values("Set-Cookie"))
	}
	// The cookie takes the user back to the same session.
	again := asUser(srv, http.MethodGet, "/", "alice", c, nil)
	if again.Header().Get("Set-Cookie") != "" {
		t.Errorf("a second request with the cookie set another: %q", again.Header().Values("Set-Cookie"))
	}

	a, _ := account.New(web.DemoSpec())
	demo, err := web.New(web.Config{Backend: web.NewMemory(a, nil), Logger: discard(), DemoSignIn: true, Hosts: []string{"example.com"}, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, srv: demo}
	page := b.get("/login")
	lc := cookieNamed(page.header, "__Host-dashboard_login")
	if lc == nil || !lc.Secure || lc.Path != "/" {
		t.Fatalf("Secure: login cookie %v, want __Host-dashboard_login, Secure, Path=/", lc)
	}
	token := loginToken.FindStringSubmatch(page.body)[1]
	res2 := b.postLogin("alice", token, lc)
	if sc := cookieNamed(res2.header, "__Host-dashboard_session"); res2.status != http.StatusSeeOther || sc == nil || !sc.Secure {
		t.Errorf("Secure demo sign-in: %d, session cookie %v", res2.status, sc)
	}
	// The cookie without the prefix is not taken.
	if res := b.postLogin("alice", token, &http.Cookie{Name: "dashboard_login", Value: token}); res.status != http.StatusForbidden {
		t.Errorf("a login cookie without the __Host- prefix: %d, want 403", res.status)
	}

	plain, _ := identityServer(t, false)
	res = asUser(plain, http.MethodGet, "/", "alice", nil, nil)
	if c := cookieNamed(res.Header(), "dashboard_session"); c == nil || c.Secure {
		t.Errorf("without Secure: session cookie %v, want dashboard_session, not Secure", c)
	}
}

// TestCacheHeaders: every answer, a page, a refusal, a download or a
// missing page, is private, not to be stored, and varies on the cookie
// and the identity header.
func TestCacheHeaders(t *testing.T) {
	srv, _ := identityServer(t, false)
	for _, c := range []struct{ method, path, user string }{
		{"GET", "/", "alice"}, {"GET", "/teams", "dave"}, {"GET", "/settings", "dave"}, {"GET", "/usage.csv", "bob"},
		{"GET", "/settings/audit-log", "alice"}, {"POST", "/access/add", "dave"}, {"GET", "/no-such-page", ""},
		{"PUT", "/teams", "alice"}, {"GET", "/style.css", ""},
	} {
		res := asUser(srv, c.method, c.path, c.user, nil, url.Values{})
		if cc, v := res.Header().Get("Cache-Control"), res.Header().Get("Vary"); (cc != "private, no-store" && c.path != "/style.css") || v != "Cookie, X-User" {
			t.Errorf("%s %s as %q: %d, Cache-Control %q, Vary %q; want private, no-store and Cookie, X-User", c.method, c.path, c.user, res.Code, cc, v)
		}
	}
}
