package main

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

// historyServer serves a journal of the demo account after two changes:
// alice adds dan (revision 1), then gives bob manage (revision 2). It
// returns the server's URL, the journal's store, and the commit times of
// the two revisions.
func historyServer(t *testing.T) (url string, store *account.Store, t1, t2 time.Time) {
	t.Helper()
	j := newJournal(t)
	srv := httptest.NewServer(newServer(j.Store(), j, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "dan", permission.View) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // distinct commit times, whatever the clock's grain
	if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.SetPermissions("alice", "bob", permission.Admin) }); err != nil {
		t.Fatal(err)
	}
	for e, err := range j.Events(t.Context(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		switch e.Revision {
		case 1:
			t1 = e.Time
		case 2:
			t2 = e.Time
		}
	}
	if !t1.Before(t2) {
		t.Fatalf("commit times %v and %v are not in order", t1, t2)
	}
	return srv.URL, j.Store(), t1, t2
}

func TestAuditLogFilters(t *testing.T) {
	url, _, t1, t2 := historyServer(t)
	addDan := account.Event{Revision: 1, Actor: "alice", Op: account.OpAddMember, User: "dan", After: "view"}
	bobAdmin := account.Event{Revision: 2, Actor: "alice", Op: account.OpSetPermissions, User: "bob", Before: "view,billing", After: "view,billing,manage,create"}
	rfc := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
	for _, c := range []struct {
		query string
		want  []account.Event
	}{
		{"", []account.Event{addDan, bobAdmin}},
		{"?user=alice", []account.Event{addDan, bobAdmin}}, // the actor
		{"?user=dan", []account.Event{addDan}},             // the user concerned
		{"?user=bob", []account.Event{bobAdmin}},
		{"?user=carol", nil},
		{"?since=" + rfc(t1), []account.Event{addDan, bobAdmin}}, // since is inclusive
		{"?since=" + rfc(t1.Add(time.Nanosecond)), []account.Event{bobAdmin}},
		{"?since=" + rfc(t2), []account.Event{bobAdmin}},
		{"?until=" + rfc(t2), []account.Event{addDan}}, // until is exclusive
		{"?until=" + rfc(t1), nil},
		{"?since=" + rfc(t1) + "&until=" + rfc(t2), []account.Event{addDan}},
		{"?since=" + rfc(t2) + "&until=" + rfc(t2), nil},
		{"?user=dan&since=" + rfc(t2), nil},
		{"?user=bob&after=1&since=" + rfc(t1), []account.Event{bobAdmin}},
		{"?user=dan&after=1", nil},
		// Another zone names the same instant.
		{"?since=" + t2.In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano), []account.Event{bobAdmin}},
	} {
		q := strings.ReplaceAll(c.query, "+", "%2B")
		got := fetch(t, url, "GET", "/settings/audit-log"+q, "alice", "")
		if got.Status != 200 || got.Header.Get("Content-Type") != auditContentType {
			t.Errorf("audit log%s: %d %s %s", c.query, got.Status, got.Header.Get("Content-Type"), got.Body)
			continue
		}
		if diff := cmp.Diff(c.want, readLog(t, got.Body, t1, t2)); diff != "" {
			t.Errorf("audit log%s (-want +got):\n%s", c.query, diff)
		}
	}
}

func TestAuditLogBadFilters(t *testing.T) {
	url, _, _, _ := historyServer(t)
	for _, c := range []struct{ query, says string }{
		{"?user=", "query user: empty"},
		{"?since=", `query since: "" is not an RFC 3339 time`},
		{"?since=yesterday", `query since: "yesterday" is not an RFC 3339 time`},
		{"?since=2026-05-04", `query since: "2026-05-04" is not an RFC 3339 time`},
		{"?until=2026-05-04T09:30:00", `query until: "2026-05-04T09:30:00" is not an RFC 3339 time`},
		{"?since=2026-05-04T10:00:00Z&until=2026-05-04T09:00:00Z", "query until: 2026-05-04T09:00:00Z is before since, 2026-05-04T10:00:00Z"},
		{"?user=bob&after=x", `query after: "x" is not a revision`},
	} {
		got := fetch(t, url, "GET", "/settings/audit-log"+c.query, "alice", "")
		p := problemOf(got)
		if got.Status != 400 || p.Status != 400 || got.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(p.Detail, c.says) {
			t.Errorf("audit log%s: %d %s %s, want 400 saying %q", c.query, got.Status, got.Header.Get("Content-Type"), got.Body, c.says)
		}
	}
}

// accessBody is the body of GET /access.
type accessBody struct {
	Revision uint64           `json:"revision"`
	Members  []account.Member `json:"members"`
}

func TestAccessAt(t *testing.T) {
	url, store, t1, t2 := historyServer(t)
	// The states the store went through, as GET /access without at shows them.
	demo := mustDemo(t)
	states := map[uint64][]account.Member{}
	want := func(a *account.Account) []account.Member {
		var ms []account.Member
		for u, p := range a.Members() {
			ms = append(ms, account.Member{User: u, Permissions: p})
		}
		return ms
	}
	states[0] = want(demo)
	states[2] = want(store.Load())
	withDan, err := demo.Replay([]account.Event{{Revision: 1, Actor: "alice", Op: account.OpAddMember, User: "dan", After: "view"}})
	if err != nil {
		t.Fatal(err)
	}
	states[1] = want(withDan)
	rfc := func(t time.Time) string { return strings.ReplaceAll(t.Format(time.RFC3339Nano), "+", "%2B") }
	for _, c := range []struct {
		at  string
		rev uint64
	}{
		{"0", 0}, {"1", 1}, {"2", 2}, {"00001", 1},
		{rfc(t1.Add(-time.Hour)), 0}, // before the first change: the state the journal began with
		{rfc(t1), 1}, {rfc(t2.Add(-time.Nanosecond)), 1}, {rfc(t2), 2},
		{rfc(t2.Add(24 * time.Hour)), 2},
		{rfc(t1.In(time.FixedZone("", -5*3600))), 1},
	} {
		got := fetch(t, url, "GET", "/access?at="+c.at, "dave", "")
		var body accessBody
		if err := json.Unmarshal([]byte(got.Body), &body); got.Status != 200 || err != nil {
			t.Errorf("access at %s: %d %s %v", c.at, got.Status, got.Body, err)
			continue
		}
		if body.Revision != c.rev {
			t.Errorf("access at %s: revision %d, want %d", c.at, body.Revision, c.rev)
		}
		if diff := cmp.Diff(states[c.rev], body.Members); diff != "" {
			t.Errorf("access at %s (-want +got):\n%s", c.at, diff)
		}
	}
	// Without at, the current state.
	if got := fetch(t, url, "GET", "/access", "dave", ""); !strings.Contains(got.Body, `"revision":2`) {
		t.Errorf("access: %d %s, want revision 2", got.Status, got.Body)
	}
}

func TestAccessAtBadInput(t *testing.T) {
	url, _, _, _ := historyServer(t)
	for _, c := range []struct {
		at     string
		status int
		says   string
	}{
		{"", 400, `query at: "" is not a revision or an RFC 3339 time`},
		{"x", 400, `query at: "x" is not a revision or an RFC 3339 time`},
		{"-1", 400, `query at: "-1" is not a revision or an RFC 3339 time`},
		{"2026-05-04", 400, `query at: "2026-05-04" is not a revision or an RFC 3339 time`},
		{"18446744073709551616", 400, "is not a revision or an RFC 3339 time"},
		{"3", 404, "revision 3: not committed yet: the latest is 2"},
		{"99", 404, "revision 99: not committed yet"},
	} {
		got := fetch(t, url, "GET", "/access?at="+c.at, "alice", "")
		if got.Status != c.status || got.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(problemOf(got).Detail, c.says) {
			t.Errorf("access at %q: %d %s, want %d saying %q", c.at, got.Status, got.Body, c.status, c.says)
		}
	}
	// A server without a history says so.
	srv := httptest.NewServer(newHandler(newStore(t, nil), slog.New(slog.DiscardHandler)))
	defer srv.Close()
	if got := fetch(t, srv.URL, "GET", "/access?at=0", "alice", ""); got.Status != 400 || !strings.Contains(got.Body, "keeps no history") {
		t.Errorf("access at 0 without a history: %d %s", got.Status, got.Body)
	}
}

// GET /access?at= needs view-access, checked before the query is read:
// erin, who is no member, is refused the same with any at, valid or not.
func TestAccessAtRefused(t *testing.T) {
	url, _, _, _ := historyServer(t)
	want := fetch(t, url, "GET", "/access", "erin", "")
	if want.Status != 403 {
		t.Fatalf("access as erin: %d, want 403", want.Status)
	}
	for _, at := range []string{"0", "1", "99", "x", "2026-05-04T09:30:00Z"} {
		if diff := cmp.Diff(want, fetch(t, url, "GET", "/access?at="+at, "erin", "")); diff != "" {
			t.Errorf("access at %s as erin (-without at +with):\n%s", at, diff)
		}
	}
}

// problemOf decodes a problem document's status and detail; zero if the
// body is none.
func problemOf(r response) (p struct {
	Status int
	Detail string
}) {
	json.Unmarshal([]byte(r.Body), &p)
	return p
}
