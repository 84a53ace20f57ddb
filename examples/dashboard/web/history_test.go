package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

var impactLine = regexp.MustCompile(`<li>([^<]*will (?:no longer )?be able to:[^<]*)</li>`)

// impactOf returns the preview's lines on an Access page.
func impactOf(body string) []string {
	var lines []string
	for _, m := range impactLine.FindAllStringSubmatch(body, -1) {
		lines = append(lines, html.UnescapeString(m[1]))
	}
	return lines
}

// TestPreview: the Access tab's Preview button shows what a change would
// do, computed on the account, without saving it; its Save form then
// saves exactly that change.
func TestPreview(t *testing.T) {
	srv, mem := newServer(t)
	alice := signIn(t, srv, "alice")
	before := mem.Store().Load()

	res := alice.post("/access/set", url.Values{"user": {"bob"}, "perm": {"billing", "manage"}, "preview": {"1"}})
	if res.status != http.StatusOK {
		t.Fatalf("preview: %d\n%s", res.status, res.body)
	}
	if got := mem.Store().Load(); got != before {
		t.Fatalf("a preview committed: revision %d", got.Revision())
	}
	want := []string{"bob will be able to: manage-teams, manage-users, view-settings"}
	if diff := cmp.Diff(want, impactOf(res.body)); diff != "" {
		t.Errorf("impact (-want +got):\n%s", diff)
	}
	// The Save form carries the same change.
	save := regexp.MustCompile(`(?s)<form method="post" action="/access/set">(.*?)</form>`).FindStringSubmatch(res.body)
	if save == nil || !strings.Contains(save[1], `name="user" value="bob"`) ||
		!strings.Contains(save[1], `name="perm" value="billing"`) || !strings.Contains(save[1], `name="perm" value="manage"`) ||
		!strings.Contains(save[1], `id="preview-save"`) {
		t.Fatalf("no Save form for the previewed change:\n%s", res.body)
	}
	if res := alice.post("/access/set", url.Values{"user": {"bob"}, "perm": {"billing", "manage"}}); res.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.status, res.body)
	}
	after := mem.Store().Load()
	if p, _ := after.Permissions("bob"); p.String() != "view,billing,manage" {
		t.Errorf("bob holds %v after the save", p)
	}
	// What the preview said is what the saved change did.
	var saved []string
	for _, c := range account.Diff(before, after) {
		saved = append(saved, c.Action.String())
	}
	if got := strings.Join(saved, ", "); !strings.HasSuffix(want[0], ": "+got) {
		t.Errorf("saved change did %s, preview said %q", got, want[0])
	}

	// Losses, and a removal; a change that changes no access says so.
	res = alice.post("/access/remove", url.Values{"user": {"carol"}, "preview": {"1"}})
	if got := impactOf(res.body); len(got) != 1 || !strings.HasPrefix(got[0], "carol will no longer be able to: ") ||
		!strings.Contains(got[0], "create-teams") || !strings.Contains(got[0], "view-teams in team api") {
		t.Errorf("preview of removing carol: %q", got)
	}
	res = alice.post("/access/set", url.Values{"user": {"dave"}, "preview": {"1"}})
	if res.status != http.StatusOK || !strings.Contains(res.body, "<li>No one's access changes.</li>") {
		t.Errorf("preview of no change: %d\n%s", res.status, res.body)
	}
	res = alice.post("/access/add", url.Values{"user": {"zoe"}, "perm": {"billing"}, "preview": {"1"}})
	if got := impactOf(res.body); len(got) != 1 || !strings.HasPrefix(got[0], "zoe will be able to: ") || !strings.Contains(got[0], "view-usage") {
		t.Errorf("preview of adding zoe: %q", got)
	}
	if mem.Store().Load() != after {
		t.Error("previews committed")
	}
}

// A preview is refused as the change would be, and commits nothing.
func TestPreviewRefused(t *testing.T) {
	srv, mem := newServer(t)
	before := mem.Store().Load()
	dave := signIn(t, srv, "dave")
	res := dave.post("/access/set", url.Values{"user": {"dave"}, "perm": {"manage"}, "preview": {"1"}})
	if res.status != http.StatusForbidden || len(impactOf(res.body)) != 0 {
		t.Errorf("dave's preview: %d %q, want 403 without the impact", res.status, impactOf(res.body))
	}
	alice := signIn(t, srv, "alice")
	res = alice.post("/access/set", url.Values{"user": {"nobody"}, "perm": {"billing"}, "preview": {"1"}})
	if res.status == http.StatusOK {
		t.Errorf("preview of a change to a non-member: 200\n%s", res.body)
	}
	if res := alice.post("/access/set", url.Values{"user": {"bob"}, "perm": {"root"}, "preview": {"1"}}); res.status != http.StatusBadRequest {
		t.Errorf("preview with a permission that does not exist: %d", res.status)
	}
	if mem.Store().Load() != before {
		t.Error("a refused preview committed")
	}
}

var memberRow = regexp.MustCompile(`<th scope="row">([^<]*)</th><td>([^<]*)</td>`)

// rowsOf returns the Access table's rows, user to permissions.
func rowsOf(body string) map[string]string {
	rows := map[string]string{}
	for _, m := range memberRow.FindAllStringSubmatch(body, -1) {
		rows[m[1]] = m[2]
	}
	return rows
}

var sinceCell = regexp.MustCompile(`<th scope="row">([^<]*)</th><td>[^<]*</td><td class="since">([^<]*)</td>`)

// sinceOf returns what the Access table says of each member's
// permissions: user to since when they have held them.
func sinceOf(body string) map[string]string {
	rows := map[string]string{}
	for _, m := range sinceCell.FindAllStringSubmatch(body, -1) {
		rows[m[1]] = html.UnescapeString(m[2])
	}
	return rows
}

// TestAccessAsOf: the Access tab shows the members as they were at a
// revision or a time, without change forms.
func TestAccessAsOf(t *testing.T) {
	srv, mem := newServer(t)
	alice := signIn(t, srv, "alice")
	if res := alice.post("/access/add", url.Values{"user": {"frank"}, "perm": {"billing"}}); res.status != http.StatusSeeOther {
		t.Fatal(res.status)
	}
	time.Sleep(2 * time.Millisecond)
	if res := alice.post("/access/remove", url.Values{"user": {"carol"}}); res.status != http.StatusSeeOther {
		t.Fatal(res.status)
	}
	var t1, t2 time.Time
	for e := range mem.Events(context.Background(), 0) {
		if e.Revision == 1 {
			t1 = e.Time
		} else {
			t2 = e.Time
		}
	}
	rev0 := map[string]string{"alice": "view,billing,manage,create", "mike": "view,manage", "bob": "view,billing", "carol": "view,create", "dave": "view"}
	rev1 := map[string]string{"alice": "view,billing,manage,create", "mike": "view,manage", "bob": "view,billing", "carol": "view,create", "dave": "view", "frank": "view,billing"}
	rev2 := map[string]string{"alice": "view,billing,manage,create", "mike": "view,manage", "bob": "view,billing", "dave": "view", "frank": "view,billing"}
	for _, c := range []struct {
		at   string
		rev  string
		want map[string]string
	}{
		{"0", "0", rev0}, {"1", "1", rev1}, {"2", "2", rev2},
		{t1.Add(-time.Hour).Format(time.RFC3339), "0", rev0},
		{t1.Format(time.RFC3339Nano), "1", rev1},
		{t2.Add(-time.Nanosecond).Format(time.RFC3339Nano), "1", rev1},
		{t2.Format(time.RFC3339Nano), "2", rev2},
		{t2.Add(time.Hour).Format("2006-01-02T15:04"), "2", rev2}, // a datetime-local value, in UTC
	} {
		res := dave(t, srv).get("/access?at=" + url.QueryEscape(c.at))
		if res.status != http.StatusOK {
			t.Errorf("as of %s: %d\n%s", c.at, res.status, res.body)
			continue
		}
		if !strings.Contains(res.body, "Members as of revision "+c.rev+"<") {
			t.Errorf("as of %s: not shown as revision %s", c.at, c.rev)
		}
		if diff := cmp.Diff(c.want, rowsOf(res.body)); diff != "" {
			t.Errorf("as of %s (-want +got):\n%s", c.at, diff)
		}
	}
	// Each member's row says since when they have held their permissions,
	// as of the revision shown.
	created := "since the account was created"
	added := "since r1, added by alice on " + t1.UTC().Format("2006-01-02 15:04") + " UTC"
	for _, c := range []struct {
		at   string
		want map[string]string
	}{
		{"0", map[string]string{"alice": created, "mike": created, "bob": created, "carol": created, "dave": created}},
		{"1", map[string]string{"alice": created, "mike": created, "bob": created, "carol": created, "dave": created, "frank": added}},
		{"2", map[string]string{"alice": created, "mike": created, "bob": created, "dave": created, "frank": added}},
	} {
		if diff := cmp.Diff(c.want, sinceOf(dave(t, srv).get("/access?at="+c.at).body)); diff != "" {
			t.Errorf("held since, as of %s (-want +got):\n%s", c.at, diff)
		}
	}
	if res := alice.post("/access/set", url.Values{"user": {"bob"}, "perm": {"create"}}); res.status != http.StatusSeeOther {
		t.Fatal(res.status)
	}
	var t3 time.Time
	for e := range mem.Events(context.Background(), 2) {
		t3 = e.Time
	}
	set := "since r3, set by alice on " + t3.UTC().Format("2006-01-02 15:04") + " UTC"
	for _, path := range []string{"/access", "/access?at=3"} {
		want := map[string]string{"alice": created, "mike": created, "bob": set, "dave": created, "frank": added}
		if diff := cmp.Diff(want, sinceOf(dave(t, srv).get(path).body)); diff != "" {
			t.Errorf("held since, on %s (-want +got):\n%s", path, diff)
		}
	}
	if got := sinceOf(dave(t, srv).get("/access?at=2").body)["bob"]; got != created {
		t.Errorf("bob held since, as of 2: %q, want %q", got, created)
	}
	// A manager sees no change forms in the past.
	if res := alice.get("/access?at=1"); strings.Contains(res.body, `action="/access/set"`) || !strings.Contains(alice.get("/access").body, `action="/access/set"`) {
		t.Error("change forms: want them on the current table only")
	}
	for _, c := range []struct {
		at     string
		status int
	}{{"x", 400}, {"-1", 400}, {"2026-13-01", 400}, {"4", 404}, {"99", 404}} {
		if res := alice.get("/access?at=" + url.QueryEscape(c.at)); res.status != c.status {
			t.Errorf("as of %s: %d, want %d", c.at, res.status, c.status)
		}
	}
	// The Access tab stays hidden from who may not see it, with or without at.
	erin := signIn(t, srv, "erin")
	missing := erin.get("/no-such-page")
	for _, q := range []string{"", "?at=0", "?at=x"} {
		if res := erin.get("/access" + q); res.status != missing.status || res.body != missing.body {
			t.Errorf("erin's /access%s: %d, want the missing page's %d", q, res.status, missing.status)
		}
	}
}

func dave(t *testing.T, srv http.Handler) *browser { return signIn(t, srv, "dave") }

// TestMemoryAt: Memory.At gives every state Update returned, and says
// which revisions it cannot give.
func TestMemoryAt(t *testing.T) {
	_, mem := newServer(t)
	states := []*account.Account{mem.Store().Load()}
	for _, user := range []string{"u1", "u2", "u3"} {
		a, err := mem.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", user, permission.Billing) })
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, a)
	}
	for rev, want := range states {
		got, err := mem.At(context.Background(), uint64(rev))
		if err != nil {
			t.Fatalf("At(%d): %v", rev, err)
		}
		if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" || got.Revision() != uint64(rev) {
			t.Errorf("At(%d): revision %d (-want +got):\n%s", rev, got.Revision(), diff)
		}
	}
	if _, err := mem.At(context.Background(), 4); !errors.Is(err, account.ErrNotCommitted) {
		t.Errorf("At(4): %v, want ErrNotCommitted", err)
	}
}

// TestAuditLogFilters: the download filters by user, action and time.
func TestAuditLogFilters(t *testing.T) {
	srv, mem := newServer(t)
	alice := signIn(t, srv, "alice")
	for _, s := range []struct {
		path string
		form url.Values
	}{
		{"/access/add", url.Values{"user": {"frank"}, "perm": {"billing"}}},
		{"/teams/create", url.Values{"name": {"data"}}},
		{"/teams/role", url.Values{"team": {"data"}, "user": {"frank"}, "role": {"viewer"}}},
	} {
		time.Sleep(2 * time.Millisecond)
		if res := alice.post(s.path, s.form); res.status != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", s.path, res.status)
		}
	}
	var times []time.Time
	for e := range mem.Events(context.Background(), 0) {
		times = append(times, e.Time)
	}
	mike := signIn(t, srv, "mike")
	revs := func(q string) []uint64 {
		t.Helper()
		res := mike.get("/settings/audit-log?" + q)
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/jsonl; charset=utf-8" {
			t.Fatalf("audit log ?%s: %d\n%s", q, res.status, res.body)
		}
		var got []uint64
		sc := bufio.NewScanner(strings.NewReader(res.body))
		for sc.Scan() {
			var e account.Event // strict: exactly account.Event's keys
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Fatalf("audit log ?%s: line %q: %v", q, sc.Text(), err)
			}
			got = append(got, e.Revision)
		}
		return got
	}
	rfc := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339Nano)) }
	for _, c := range []struct {
		query string
		want  []uint64
	}{
		{"", []uint64{1, 2, 3}},
		{"user=&op=&since=&until=", []uint64{1, 2, 3}}, // the form's empty fields
		{"user=frank", []uint64{1, 3}},
		{"user=alice", []uint64{1, 2, 3}},
		{"user=bob", nil},
		{"op=create-team", []uint64{2}},
		{"op=set-team-role&user=frank", []uint64{3}},
		{"since=" + rfc(times[1]), []uint64{2, 3}},
		{"until=" + rfc(times[1]), []uint64{1}},
		{"since=" + rfc(times[1]) + "&until=" + rfc(times[2]), []uint64{2}},
		{"since=" + times[2].Add(time.Minute).Format("2006-01-02T15:04"), nil},
	} {
		if diff := cmp.Diff(c.want, revs(c.query)); diff != "" {
			t.Errorf("audit log ?%s (-want +got):\n%s", c.query, diff)
		}
	}
	for _, q := range []string{"op=grant", "since=yesterday", "until=2026-05-04T25:00", "since=2026-05-05T00:00&until=2026-05-04T00:00"} {
		if res := mike.get("/settings/audit-log?" + q); res.status != http.StatusBadRequest {
			t.Errorf("audit log ?%s: %d, want 400", q, res.status)
		}
	}
	// Hidden like a missing page from who may not view settings, with or
	// without a filter.
	bob := signIn(t, srv, "bob")
	missing := bob.get("/no-such-page")
	for _, q := range []string{"", "?user=frank", "?op=grant"} {
		if res := bob.get("/settings/audit-log" + q); res.status != missing.status || res.body != missing.body {
			t.Errorf("bob's audit log%s: %d, want the missing page's %d", q, res.status, missing.status)
		}
	}
}

// TestRefusalSince: the page of a refused change says since when, and
// through whose step, the user has been refused.
func TestRefusalSince(t *testing.T) {
	srv, _ := newServer(t)
	since := regexp.MustCompile(`<p id="since">([^<]*)</p>`)
	dave := signIn(t, srv, "dave")
	res := dave.post("/access/add", url.Values{"user": {"zoe"}})
	m := since.FindStringSubmatch(res.body)
	if res.status != http.StatusForbidden || m == nil ||
		html.UnescapeString(m[1]) != `as of revision 0, "dave" may not manage-users since the account was created.` {
		t.Fatalf("dave's refusal: %d %q", res.status, m)
	}
	alice := signIn(t, srv, "alice")
	if res := alice.post("/access/set", url.Values{"user": {"mike"}}); res.status != http.StatusSeeOther {
		t.Fatal(res.status)
	}
	mike := signIn(t, srv, "mike")
	res = mike.post("/access/add", url.Values{"user": {"zoe"}})
	m = since.FindStringSubmatch(res.body)
	if res.status != http.StatusForbidden || m == nil {
		t.Fatalf("mike's refusal: %d\n%s", res.status, res.body)
	}
	if got := html.UnescapeString(m[1]); !strings.HasPrefix(got, `as of revision 1, "mike" may not manage-users since revision 1: set-permissions by "alice" at `) ||
		!strings.HasSuffix(got, `("mike": "view,manage" to "view").`) {
		t.Errorf("mike's refusal says %q", got)
	}
}
