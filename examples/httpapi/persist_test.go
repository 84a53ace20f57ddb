package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

// newJournal creates a journal of the demo account in a temporary directory.
func newJournal(t *testing.T) *journal.Journal {
	t.Helper()
	a, err := account.New(demoSpec())
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(t.TempDir(), a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// send makes one request to url as user and returns the status and body.
func send(t *testing.T, method, url, user, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

// readLog parses an audit log, checking that every line is one JSON object
// with exactly the documented keys, an account.Event as account decodes it
// (strictly), with a commit time in UTC in [from, to]. It returns the
// events with their times cleared.
func readLog(t *testing.T, body string, from, to time.Time) []account.Event {
	t.Helper()
	var lines []account.Event
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		var keys map[string]any
		if err := json.Unmarshal(sc.Bytes(), &keys); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if len(keys) != 8 {
			t.Errorf("line %q has %d keys, want 8", sc.Text(), len(keys))
		}
		if ts, _ := keys["time"].(string); !strings.HasSuffix(ts, "Z") {
			t.Errorf("line %q: time %q not in UTC", sc.Text(), keys["time"])
		}
		var e account.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if e.Time.Before(from) || e.Time.After(to) {
			t.Errorf("line %q: time %v not in [%v, %v]", sc.Text(), e.Time, from, to)
		}
		if e.Op < account.OpAddMember || e.Op > account.OpRemoveFromTeam {
			t.Errorf("line %q: op %v is no step", sc.Text(), e.Op)
		}
		e.Time = time.Time{}
		lines = append(lines, e)
	}
	if !strings.HasSuffix(body, "\n") && body != "" {
		t.Errorf("audit log does not end in a newline: %q", body)
	}
	return lines
}

// The server keeps its changes in the -data directory: stopped and started
// again, it has every change, at the same revision, and the audit log
// lists them.
func TestRestartKeepsChanges(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // made by the first start
	start := func() (url string, stop func()) {
		ln, url := listen(t)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- run(ctx, ln, dir, slog.New(slog.DiscardHandler)) }()
		waitServing(t, url)
		return url, func() {
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("run: %v", err)
			}
		}
	}
	from := time.Now().UTC()
	url, stop := start()
	if code, body := send(t, "POST", url+"/members", "alice", `{"user": "dan", "permissions": ["create"]}`); code != 201 {
		t.Fatalf("add dan: %d %s", code, body)
	}
	if code, body := send(t, "POST", url+"/teams", "dan", `{"name": "data"}`); code != 201 {
		t.Fatalf("create data: %d %s", code, body)
	}
	stop()

	url, stop = start()
	defer stop()
	for _, c := range []struct{ path, user, want string }{
		{"/teams", "dan", `{"revision":2,"teams":[{"name":"data","licensed":false,"role":"admin"}]}` + "\n"},
		{"/usage", "bob", `{"licensed_teams":["web"],"members":5,"revision":2,"teams":3}` + "\n"},
	} {
		if code, body := send(t, "GET", url+c.path, c.user, ""); code != 200 || body != c.want {
			t.Errorf("GET %s after a restart: %d %s, want 200 %s", c.path, code, body, c.want)
		}
	}
	code, body := send(t, "DELETE", url+"/teams/data", "dan", "")
	if code != 204 {
		t.Fatalf("delete data after a restart: %d %s", code, body)
	}
	code, body = send(t, "GET", url+"/settings/audit-log", "alice", "")
	if code != 200 {
		t.Fatalf("GET /settings/audit-log: %d %s", code, body)
	}
	want := []account.Event{
		{Revision: 1, Actor: "alice", Op: account.OpAddMember, User: "dan", After: "view,create"},
		{Revision: 2, Actor: "dan", Op: account.OpCreateTeam, Team: "data", User: "dan", After: "data"},
		{Revision: 3, Actor: "dan", Op: account.OpDeleteTeam, Team: "data", Before: "data"},
	}
	if diff := cmp.Diff(want, readLog(t, body, from, time.Now().UTC())); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
}

// A second server on the same directory does not start.
func TestDataInUse(t *testing.T) {
	dir := t.TempDir()
	ln, url := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, ln, dir, slog.New(slog.DiscardHandler)) }()
	waitServing(t, url)
	ln2, _ := listen(t)
	err := run(context.Background(), ln2, dir, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "open in another Journal") {
		t.Errorf("second run on the same directory: %v", err)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("run: %v", err)
	}
}

// A directory that is not a journal's, or a damaged journal, stops the
// server from starting, with the journal's error.
func TestDataDamaged(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Create(dir, mustDemo(t))
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	names, _ := filepath.Glob(filepath.Join(dir, "checkpoint-*"))
	for _, n := range names {
		os.Remove(n)
	}
	ln, _ := listen(t)
	if err := run(context.Background(), ln, dir, slog.New(slog.DiscardHandler)); !errors.Is(err, journal.ErrCorrupt) {
		t.Errorf("run on a journal without checkpoint: %v, want ErrCorrupt", err)
	}
}

func mustDemo(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.New(demoSpec())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAuditLog(t *testing.T) {
	j := newJournal(t)
	srv := httptest.NewServer(newServer(j.Store(), j, slog.New(slog.DiscardHandler)))
	defer srv.Close()

	// An empty log is an empty body.
	resp, err := http.Get(srv.URL + "/settings/audit-log")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("audit log without user: %d, want 401", resp.StatusCode)
	}
	if got := fetch(t, srv.URL, "GET", "/settings/audit-log", "alice", ""); got.Status != 200 || got.Body != "" ||
		got.Header.Get("Content-Type") != auditContentType {
		t.Errorf("empty audit log: %+v", got)
	}

	from := time.Now().UTC()
	if _, err := j.Store().Update(func(tx *account.Tx) error {
		if err := tx.AddMember("alice", "dan", 0); err != nil {
			return err
		}
		return tx.SetTeamRole("alice", "web", "dan", account.RoleMember)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.RenameTeam("alice", "api", "<api & co>") }); err != nil {
		t.Fatal(err)
	}
	to := time.Now().UTC()
	all := []account.Event{
		{Revision: 1, Actor: "alice", Op: account.OpAddMember, User: "dan", After: "view"},
		{Revision: 1, Actor: "alice", Op: account.OpSetTeamRole, Team: "web", User: "dan", After: "member"},
		{Revision: 2, Actor: "alice", Op: account.OpRenameTeam, Team: "api", Before: "api", After: "<api & co>"},
	}
	for _, c := range []struct {
		query string
		want  []account.Event
	}{{"", all}, {"?after=0", all}, {"?after=1", all[2:]}, {"?after=2", nil}, {"?after=99", nil}} {
		got := fetch(t, srv.URL, "GET", "/settings/audit-log"+c.query, "alice", "")
		if got.Status != 200 || got.Header.Get("Content-Type") != auditContentType {
			t.Errorf("audit log%s: %d %s", c.query, got.Status, got.Header.Get("Content-Type"))
		}
		if diff := cmp.Diff(c.want, readLog(t, got.Body, from, to)); diff != "" {
			t.Errorf("audit log%s (-want +got):\n%s", c.query, diff)
		}
	}
	// Names are written as they are, not HTML-escaped.
	if got := fetch(t, srv.URL, "GET", "/settings/audit-log?after=1", "alice", ""); !strings.Contains(got.Body, `"after":"<api & co>"`) {
		t.Errorf("audit log escapes names: %s", got.Body)
	}
	for _, q := range []string{"?after=", "?after=-1", "?after=x", "?after=18446744073709551616"} {
		got := fetch(t, srv.URL, "GET", "/settings/audit-log"+q, "alice", "")
		if got.Status != 400 || got.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(got.Body, "is not a revision") {
			t.Errorf("audit log%s: %d %s, want 400 saying it is not a revision", q, got.Status, got.Body)
		}
	}
	// The log needs view-settings, like the rest of Settings.
	for _, user := range []string{"bob", "carol", "dave", "erin", "dan"} {
		if got := fetch(t, srv.URL, "GET", "/settings/audit-log", user, ""); got.Status != 404 {
			t.Errorf("audit log as %s: %d, want 404", user, got.Status)
		}
	}
	if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.SetPermissions("alice", "dan", permission.Admin) }); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, srv.URL, "GET", "/settings/audit-log?after=2", "dan", ""); got.Status != 200 || !strings.Contains(got.Body, `"revision":3`) {
		t.Errorf("audit log as dan, given manage: %d %s", got.Status, got.Body)
	}
}

// A log that cannot be read answers 500 when nothing was sent yet, and cuts
// the connection when lines were, so that a client never takes part of the
// log for all of it.
func TestAuditLogReadError(t *testing.T) {
	broken := errors.New("disk on fire")
	for _, c := range []struct {
		name string
		good int // events before the error
	}{{"at once", 0}, {"after a line", 1}} {
		t.Run(c.name, func(t *testing.T) {
			h := func(_ context.Context, after uint64) iter.Seq2[account.Event, error] {
				return func(yield func(account.Event, error) bool) {
					for i := range c.good {
						if !yield(account.Event{Revision: uint64(i + 1), Actor: "alice", Op: account.OpAddMember, User: "dan", After: "view"}, nil) {
							return
						}
					}
					yield(account.Event{}, broken)
				}
			}
			srv := httptest.NewServer(newServer(newStore(t, nil), eventsOnly(h), slog.New(slog.DiscardHandler)))
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/settings/audit-log", nil)
			req.Header.Set("X-User", "alice")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				if c.good == 0 {
					t.Fatal(err)
				}
				return // cut before the header was sent
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if c.good == 0 {
				if resp.StatusCode != 500 || err != nil || strings.Contains(string(body), "fire") {
					t.Errorf("%d %q %v, want 500 saying nothing of the cause", resp.StatusCode, body, err)
				}
				return
			}
			if err == nil {
				t.Errorf("read the whole body %q (status %d), want the connection cut", body, resp.StatusCode)
			}
		})
	}
}

// eventsOnly is a history of which only Events works.
type eventsOnly func(ctx context.Context, after uint64) iter.Seq2[account.Event, error]

func (f eventsOnly) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return f(ctx, after)
}

func (eventsOnly) At(context.Context, uint64) (*account.Account, error) {
	return nil, errors.New("no states kept")
}
