package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/examples/dashboard/web"
	"github.com/google/go-cmp/cmp"
)

// start runs the command with args on a free port and returns its address
// and a function that stops it and returns run's error.
func start(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		errc <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-demo-sign-in"}, args...), io.Discard, logger, ready)
	}()
	select {
	case addr := <-ready:
		stopped := false
		stop := func() error {
			if stopped {
				return nil
			}
			stopped = true
			cancel()
			return <-errc
		}
		t.Cleanup(func() { stop() })
		return addr, stop
	case err := <-errc:
		cancel()
		t.Fatalf("run %v: %v", args, err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("the server did not start")
	}
	return "", nil
}

// client is a browser without JavaScript: it keeps cookies and does not
// follow redirects.
func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = c.PostForm(u, form)
	} else {
		res, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

var (
	csrfField  = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
	loginToken = regexp.MustCompile(`name="token" value="([0-9a-f.]+)"`)
)

// signIn signs c in as user through the sign-in form and returns the
// session's CSRF token.
func signIn(t *testing.T, c *http.Client, base, user string) string {
	t.Helper()
	_, page := fetch(t, c, http.MethodGet, base+"/login", nil)
	m := loginToken.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no token on the sign-in page:\n%s", page)
	}
	if status, body := fetch(t, c, http.MethodPost, base+"/login", url.Values{"user": {user}, "token": {m[1]}}); status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d\n%s", user, status, body)
	}
	_, body := fetch(t, c, http.MethodGet, base+"/", nil)
	m = csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the home page:\n%s", body)
	}
	return m[1]
}

// TestServe runs the command with its defaults (in memory, demo account and
// organizations) and signs in.
func TestServe(t *testing.T) {
	addr, stop := start(t)
	base := "http://" + addr
	c := client(t)
	signIn(t, c, base, "alice")
	status, body := fetch(t, c, http.MethodGet, base+"/usage", nil)
	if status != http.StatusOK || !strings.Contains(body, "<caption>Usage this month, by team</caption>") {
		t.Errorf("GET /usage: %d\n%s", status, body)
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

// TestData: with -data, a change survives a restart and is in the audit
// log; -account is read only when the directory holds no journal yet.
func TestData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	acct := filepath.Join(t.TempDir(), "account.json")
	if err := os.WriteFile(acct, []byte(`{"name": "initech", "members": [{"user": "peter", "permissions": ["manage"]}], "teams": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, stop := start(t, "-data", dir, "-account", acct)
	base := "http://" + addr
	c := client(t)
	token := signIn(t, c, base, "peter")
	if status, body := fetch(t, c, http.MethodPost, base+"/access/add", url.Values{"csrf": {token}, "user": {"milton"}, "perm": {"billing"}}); status != http.StatusSeeOther {
		t.Fatalf("add milton: %d\n%s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// The account file is not read again: a broken one does no harm.
	if err := os.WriteFile(acct, []byte(`{`), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, stop = start(t, "-data", dir, "-account", acct)
	base = "http://" + addr
	c = client(t)
	signIn(t, c, base, "milton")
	if status, _ := fetch(t, c, http.MethodGet, base+"/usage", nil); status != http.StatusOK {
		t.Errorf("after a restart, milton's GET /usage: %d, want 200", status)
	}
	signIn(t, c, base, "peter")
	status, body := fetch(t, c, http.MethodGet, base+"/settings/audit-log", nil)
	if status != http.StatusOK || !strings.Contains(body, `"actor":"peter","op":"add-member","team":"","user":"milton","before":"","after":"view,billing"`) {
		t.Errorf("audit log after a restart: %d\n%s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestBadInput: bad flags and files are errors naming what is wrong.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	orgs := write("orgs.jsonl", "{\"name\": \"a\", \"teams\": []}\n\n{\"name\": \"b\", \"teams\": [{\"name\": \"t\", \"members\": [{\"user\": \"x\", \"role\": \"owner\"}]}]}\n")
	acct := write("account.json", `{"name": "a", "members": [], "teams": []}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-port", "1"}, "flag provided but not defined: -port"},
		{"argument", []string{"serve"}, `unexpected argument "serve"`},
		{"bad organization", []string{"-orgs", orgs}, orgs + ":3: "},
		{"missing organizations", []string{"-orgs", filepath.Join(dir, "none.jsonl")}, "none.jsonl: no such file"},
		{"bad account", []string{"-account", acct}, acct + ": account: members: "},
		{"bad address", []string{"-addr", "127.0.0.1:-1"}, "invalid port"},
		{"no sign-in", []string{"-no-demo"}, "give -demo-sign-in"},
		{"both sign-ins", []string{"-user-header", "X-User"}, "one of the two"},
		{"an empty host", []string{"-hosts", "a.example,,b.example"}, `-hosts "a.example,,b.example": an empty host name`},
		{"demo sign-in on any host", []string{"-addr", "0.0.0.0:0"}, "DemoSignIn needs Hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"-demo-sign-in"}, tt.args...)
			switch tt.name {
			case "no sign-in":
				args = []string{"-addr", "127.0.0.1:0"}
			case "bad address", "demo sign-in on any host":
			default:
				args = append([]string{"-addr", "127.0.0.1:0"}, args...)
			}
			err := run(context.Background(), args, &stderr, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run %v: %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

// TestSampleOrgs reads the samples of examples/classify, whose sixth line
// is broken on purpose: the server does not start on organizations it
// cannot classify, and says which line is wrong.
func TestSampleOrgs(t *testing.T) {
	_, err := readOrgs("../classify/testdata/sample.jsonl")
	if err == nil || !strings.Contains(err.Error(), "sample.jsonl:6: ") || !strings.Contains(err.Error(), `"owner"`) {
		t.Errorf("readOrgs: %v, want an error naming line 6 and the unknown role", err)
	}
	orgs, err := readOrgs("testdata/orgs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(web.DemoOrgs(), orgs); diff != "" {
		t.Errorf("testdata/orgs.jsonl is not the demo organizations (-want +got):\n%s", diff)
	}
}
