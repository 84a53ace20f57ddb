package browsertest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/examples/dashboard/web"
)

var update = flag.Bool("update", false, "rewrite the screenshots in examples/dashboard/testdata")

// screenshots is where -update writes one screenshot per persona.
const screenshots = "../testdata"

// chromium returns the path of the Chromium binary. Without one it skips
// the test, or fails it under CI, where a browser must be there.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found (install Debian's chromium package, or set CHROMIUM): browser tests cannot be skipped in CI")
	}
	t.Skip("no Chromium found: install Debian's chromium package, or set CHROMIUM")
	return ""
}

// A session is the dashboard served on a test server and one headless
// Chromium looking at it.
type session struct {
	t    *testing.T
	ctx  context.Context
	base string
	mem  *web.Memory
}

func newSession(t *testing.T) *session {
	t.Helper()
	exe := chromium(t)
	a, err := account.New(web.DemoSpec())
	if err != nil {
		t.Fatal(err)
	}
	mem := web.NewMemory(a, nil)
	ts := httptest.NewUnstartedServer(nil)
	srv, err := web.New(web.Config{Backend: mem, Orgs: web.DemoOrgs(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DemoSignIn: true, Hosts: []string{ts.Listener.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)

	// Chromium makes org.chromium.* directories in the temporary
	// directory, and leaves some behind: give it one the test removes.
	tmp := t.TempDir()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(900, 640),
		chromedp.Env("TMPDIR=" + tmp),
		chromedp.UserDataDir(filepath.Join(tmp, "profile")),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(900, 640)); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	return &session{t: t, ctx: ctx, base: ts.URL, mem: mem}
}

func (s *session) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// value runs an action that returns a value.
func value[T any](s *session, what string, a chromedp.Action[T]) T {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, a)
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// signIn signs in as user through the demo sign-in form, by keyboard,
// and waits for the home page.
func (s *session) signIn(user string) {
	s.t.Helper()
	s.run("sign in as "+user,
		chromedp.Navigate(s.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-user")),
		chromedp.SendKeys(chromedp.CSS("#login-user"), user+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
		chromedp.WaitNotPresent(chromedp.CSS("#login-user")))
	loc := value(s, "location", chromedp.Location())
	if loc != s.base+"/" {
		s.t.Fatalf("sign in as %s: at %s, want the home page", user, loc)
	}
}

// open opens path and waits for its heading.
func (s *session) open(path string) {
	s.t.Helper()
	s.run("open "+path, chromedp.Navigate(s.base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// tabs returns the labels of the tabs in the page's navigation.
func (s *session) tabs() []string {
	s.t.Helper()
	return value(s, "read tabs", chromedp.Evaluate[[]string](`[...document.querySelectorAll('nav.tabs a')].map(a => a.textContent)`))
}

func eval[T any](s *session, js string) T {
	s.t.Helper()
	return value(s, "evaluate "+js, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// A reply is an answer to a request the page sent with fetch.
type reply struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// post sends a form directly with fetch, from the page, with the session's
// CSRF token taken from the page: not through the page's forms.
func (s *session) post(path string, fields map[string]string) reply {
	s.t.Helper()
	var b strings.Builder
	for k, v := range fields {
		b.WriteString("f.append(" + quote(k) + ", " + quote(v) + ");")
	}
	return eval[reply](s, `(async () => {
		const f = new URLSearchParams();
		f.append('csrf', document.querySelector('input[name=csrf]').value);
		`+b.String()+`
		const r = await fetch(`+quote(path)+`, {method: 'POST', body: f, redirect: 'manual'});
		return {status: r.status, body: await r.text()};
	})()`)
}

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// screenshot captures the viewport; with -update it writes it to
// testdata/NAME.png.
func (s *session) screenshot(name string) {
	s.t.Helper()
	buf := value(s, "screenshot", chromedp.CaptureScreenshot())
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 640 {
		s.t.Errorf("screenshot %s is %v, want 900x640", name, b.Size())
	}
	if *update {
		if err := os.WriteFile(filepath.Join(screenshots, name+".png"), buf, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
}

func (s *session) bannerShown() bool {
	s.t.Helper()
	return eval[bool](s, `!!document.querySelector('section.banner')`)
}

// TestPersonas signs in as each kind of user and checks what they see and
// what the server lets them do.
func TestPersonas(t *testing.T) {
	s := newSession(t)
	personas := []struct {
		user, kind string
		tabs       []string
		banner     bool
		shot       string            // the page shown in the persona's screenshot
		refused    string            // a form the user may not send, sent directly
		form       map[string]string // its fields
		status     int               // and the answer
		sentence   string            // which says why
	}{
		{"alice", "account admin", []string{"Teams", "Access", "Settings", "Usage"}, false, "/access",
			"/teams/role", map[string]string{"team": "hooli-main", "user": "bob", "role": "admin"}, 404, "no such team"},
		{"mike", "manager", []string{"Teams", "Access", "Settings"}, true, "/access",
			"/teams/create", map[string]string{"name": "data"}, 403, `"mike" may not create-teams: holds view,manage; create-teams needs create`},
		{"bob", "billing only", []string{"Teams", "Access", "Usage"}, false, "/usage",
			"/access/set", map[string]string{"user": "bob", "perm": "manage"}, 403, `"bob" may not manage-users: holds view,billing; manage-users needs manage`},
		{"carol", "creator", []string{"Teams", "Access"}, false, "/teams",
			"/access/add", map[string]string{"user": "mallory", "perm": "manage"}, 403, `"carol" may not manage-users: holds view,create; manage-users needs manage`},
		{"dave", "view only", []string{"Teams", "Access"}, true, "/",
			"/teams/delete", map[string]string{"team": "web"}, 403, `"dave" may not create-teams: holds view; create-teams needs create`},
		{"erin", "collaborator only", nil, false, "/",
			"/access/add", map[string]string{"user": "mallory", "perm": "manage"}, 404, "There is no page at this address."},
	}
	for _, p := range personas {
		t.Run(p.user, func(t *testing.T) {
			s.t = t
			s.signIn(p.user)
			if got := s.tabs(); !slices.Equal(got, p.tabs) {
				t.Errorf("%s (%s) sees tabs %v, want %v", p.user, p.kind, got, p.tabs)
			}
			if got := s.bannerShown(); got != p.banner {
				t.Errorf("%s (%s): contact-support banner shown %v, want %v", p.user, p.kind, got, p.banner)
			}
			before := s.mem.Store().Load()
			r := s.post(p.refused, p.form)
			if r.Status != p.status || !strings.Contains(r.Body, htmlEscape(p.sentence)) {
				t.Errorf("POST %s %v: %d, want %d saying %q\n%s", p.refused, p.form, r.Status, p.status, p.sentence, r.Body)
			}
			if after := s.mem.Store().Load(); after != before {
				t.Errorf("a refused POST changed the account: revision %d -> %d", before.Revision(), after.Revision())
			}
			s.open(p.shot)
			s.screenshot(p.user)
		})
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestManagerAddsBilling: a manager adds a member with Billing through the
// Access tab's form, by keyboard; the new member, signed in, sees Usage; a
// creator creates a team through the Teams tab; the audit log lists both
// changes.
func TestManagerAddsBilling(t *testing.T) {
	s := newSession(t)
	s.signIn("frank")
	if got := s.tabs(); len(got) != 0 {
		t.Fatalf("frank sees %v before he is a member", got)
	}

	s.signIn("mike")
	s.open("/access")
	s.run("check Billing by keyboard",
		chromedp.Focus(chromedp.CSS("#add-billing")),
		chromedp.KeyEvent(" "))
	if !eval[bool](s, `document.querySelector('#add-billing').checked`) {
		t.Error("Space on the Billing checkbox did not check it")
	}
	s.run("type the user and press Enter",
		chromedp.SendKeys(chromedp.CSS("#add-user"), "frank"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if flash := value(s, "read the message", chromedp.Text(chromedp.CSS(".flash"))); flash != "Added frank with view,billing." {
		t.Errorf("after adding frank: %q", flash)
	}

	s.signIn("frank")
	if got, want := s.tabs(), []string{"Teams", "Access", "Usage"}; !slices.Equal(got, want) {
		t.Errorf("frank sees tabs %v, want %v", got, want)
	}
	s.open("/usage")

	s.signIn("carol")
	s.open("/teams")
	s.run("create a team",
		chromedp.SendKeys(chromedp.CSS("#create-name"), "data"),
		chromedp.Click(chromedp.CSS(`form[action="/teams/create"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))

	s.signIn("mike")
	s.open("/settings")
	log := eval[string](s, `(async () => (await fetch(document.querySelector('a[download][href="/settings/audit-log"]').href)).text())()`)
	for _, want := range []string{
		`"revision":1,`, `"actor":"mike","op":"add-member","team":"","user":"frank","before":"","after":"view,billing"`,
		`"revision":2,`, `"actor":"carol","op":"create-team","team":"data","user":"carol","before":"","after":"data"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the audit log does not contain %s:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "\n"); n != 2 {
		t.Errorf("the audit log has %d lines, want 2:\n%s", n, log)
	}
}

// TestMain fails the run if the tests leave org.chromium.* directories in
// the temporary directory: each browser gets a temporary directory of its
// own, removed after its test.
func TestMain(m *testing.M) {
	before := chromiumDirs()
	code := m.Run()
	var left []string
	for _, d := range chromiumDirs() {
		if !slices.Contains(before, d) {
			left = append(left, d)
		}
	}
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "the browser tests left %d directories in %s: %v\n", len(left), os.TempDir(), left)
		code = 1
	}
	os.Exit(code)
}

func chromiumDirs() []string {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "org.chromium.*"))
	return dirs
}

// TestManagerSetsUpSSO: a Manage holder sets up single sign-on through the
// Settings form and sees it described; a billing-only user gets the
// missing page for the form's address.
func TestManagerSetsUpSSO(t *testing.T) {
	s := newSession(t)
	p := accounttest.IdentityProvider("idp.example.com", true)
	info, err := p.CertificateInfo()
	if err != nil {
		t.Fatal(err)
	}
	s.signIn("mike")
	s.open("/settings")
	s.run("fill in the identity provider",
		chromedp.SendKeys(chromedp.CSS("#sso-entity"), p.EntityID),
		chromedp.SendKeys(chromedp.CSS("#sso-url"), p.SSOTargetURL),
		chromedp.SendKeys(chromedp.CSS("#slo-url"), p.SLOTargetURL),
		chromedp.SetValue(chromedp.CSS("#sso-cert"), p.Certificate),
		chromedp.Click(chromedp.CSS(`input[name="enforced"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/settings/sso"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got, ok := s.mem.Store().Load().IdentityProvider(); !ok || got != p {
		t.Fatalf("identity provider %+v, %v; want %+v", got, ok, p)
	}
	page := value(s, "read the page", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{p.EntityID, info.Subject, info.SHA256, "required for members"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Settings tab does not show %q:\n%s", want, page)
		}
	}

	s.signIn("bob") // billing: no Settings tab
	s.open("/usage")
	missing := s.post("/no-such-page", map[string]string{"entity_id": "x"})
	hidden := s.post("/settings/sso", map[string]string{"entity_id": "x"})
	if hidden.Status != 404 || hidden != missing {
		t.Errorf("bob's POST /settings/sso: %d, want the missing page (%d)", hidden.Status, missing.Status)
	}
	if _, ok := s.mem.Store().Load().IdentityProvider(); !ok {
		t.Error("bob's request removed the identity provider")
	}
}
