package account_test

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// answer is the reference answer to q on a: Can, CanViewTeam, or holding
// the team's admin role as a member.
func answer(a *account.Account, q account.Access) bool {
	switch {
	case q.Team == "":
		return a.Can(q.User, q.Action)
	case q.Action == permission.ViewTeams:
		return a.CanViewTeam(q.User, q.Team)
	default:
		return isAdmin(a, q.User, q.Team)
	}
}

// drawAccess draws a question about the users and teams of h.
func drawAccess(t *rapid.T, h *history) account.Access {
	var specs []account.Spec
	for _, a := range h.snaps {
		specs = append(specs, a.Spec())
	}
	// Users and teams the events name, drawn often, so that questions are
	// about what changed.
	var users, teams []string
	for e, err := range h.log.Events(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, e.User, e.Actor)
		teams = append(teams, e.Team, e.After)
	}
	users = slices.DeleteFunc(users, func(s string) bool { return s == "" })
	teams = slices.DeleteFunc(teams, func(s string) bool { return s == "" || !slices.Contains(teamsOf(specs...), s) })
	if len(users) == 0 || rapid.Bool().Draw(t, "any user") {
		users = usersOf(specs...)
	}
	if len(teams) == 0 || rapid.Bool().Draw(t, "any team") {
		teams = teamsOf(specs...)
	}
	q := account.Access{User: rapid.SampledFrom(users).Draw(t, "user")}
	if rapid.Bool().Draw(t, "team-scoped") {
		q.Team = rapid.SampledFrom(teams).Draw(t, "team")
		q.Action = rapid.SampledFrom([]permission.Action{permission.ViewTeams, permission.ManageTeams}).Draw(t, "action")
	} else {
		q.Action = rapid.SampledFrom(permission.Actions()).Draw(t, "action")
	}
	return q
}

// updateEvents returns the events of revision rev in h's log.
func updateEvents(t *rapid.T, h *history, rev uint64) []account.Event {
	var es []account.Event
	for e, err := range h.log.Events(context.Background(), rev-1) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Revision != rev {
			break
		}
		es = append(es, e)
	}
	return es
}

// changer returns, by replaying the events of update rev one at a time on
// the snapshot before it, the last of them after which q's answer differs
// from the answer before it.
func changer(t *rapid.T, h *history, q account.Access, rev uint64) account.Event {
	es := updateEvents(t, h, rev)
	base := h.snap(rev - 1)
	var found *account.Event
	prev := answer(base, q)
	for i := range es {
		a, err := base.Replay(es[:i+1])
		if err != nil {
			t.Fatalf("replaying revision %d: %v", rev, err)
		}
		if now := answer(a, q); now != prev {
			found, prev = &es[i], now
		}
	}
	if found == nil {
		t.Fatalf("no event of revision %d changes %s", rev, q)
	}
	return *found
}

// A userLog is a Log that is an account.UserHistory, picking out a user's
// events from all of them, as the history questions need it to.
type userLog struct{ *accounttest.Log }

func (l userLog) UserEvents(ctx context.Context, user string, after, through uint64) iter.Seq2[account.Event, error] {
	return func(yield func(account.Event, error) bool) {
		if _, err := l.At(ctx, through); err != nil {
			yield(account.Event{}, err)
			return
		}
		for e, err := range l.Events(ctx, after) {
			if err != nil || e.Revision > through {
				if err != nil {
					yield(e, err)
				}
				return
			}
			if e.User == user && !yield(e, nil) {
				return
			}
		}
	}
}

// drawHistoryView returns h's log as a plain History or as a UserHistory,
// so that the history questions are checked both ways.
func drawHistoryView(t *rapid.T, h *history) account.History {
	if rapid.Bool().Draw(t, "user history") {
		return userLog{h.log}
	}
	return h.log
}

// TestProvenanceAgreesWithReplay checks Provenance against a plain replay:
// the last update at or before the revision whose snapshot answers
// otherwise than the one before it, and its last step that changed the
// answer.
func TestProvenanceAgreesWithReplay(t *testing.T) {
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, 12)
		q := drawAccess(t, h)
		rev := rapid.Uint64Range(h.first, h.last()).Draw(t, "revision")
		got, err := account.Provenance(ctx, drawHistoryView(t, h), q, rev)
		if err != nil {
			t.Fatalf("Provenance: %v", err)
		}
		want := account.Origin{Access: q, Revision: rev, Allowed: answer(h.snap(rev), q), Since: h.first}
		for r := rev; r > h.first; r-- {
			if answer(h.snap(r), q) != answer(h.snap(r-1), q) {
				e := changer(t, h, q, r)
				want.Event = &e
				break
			}
		}
		if d := gocmp.Diff(want, got); d != "" {
			t.Fatalf("Provenance(%s, %d) (-want +got):\n%s", q, rev, d)
		}
	})
}

// inSpans reports whether some span covers rev.
func inSpans(spans []account.Span, user string, rev uint64) bool {
	for _, s := range spans {
		if s.User == user && s.From <= rev && (s.To == 0 || rev < s.To) {
			return true
		}
	}
	return false
}

// checkSpans checks the spans of one user: in order, disjoint, with the
// events that opened and closed them.
func checkSpans(t *rapid.T, h *history, q account.Access, from uint64, spans []account.Span) {
	t.Helper()
	for i, s := range spans {
		if i > 0 && (spans[i-1].To == 0 || spans[i-1].To >= s.From) {
			t.Fatalf("spans out of order or touching: %+v", spans)
		}
		switch {
		case s.From == from && s.Opened != nil, s.From != from && s.Opened == nil:
			t.Fatalf("span %+v from the range's start %d", s, from)
		case s.Opened != nil && *s.Opened != changer(t, h, q, s.From):
			t.Fatalf("span %+v opened by %+v, want %+v", s, *s.Opened, changer(t, h, q, s.From))
		case (s.To == 0) != (s.Closed == nil):
			t.Fatalf("span %+v: To and Closed disagree", s)
		case s.Closed != nil && *s.Closed != changer(t, h, q, s.To):
			t.Fatalf("span %+v closed by %+v, want %+v", s, *s.Closed, changer(t, h, q, s.To))
		}
	}
}

// TestAccessSpansAgreeWithAt checks that the spans of a question cover
// exactly the revisions at which the snapshot answers yes.
func TestAccessSpansAgreeWithAt(t *testing.T) {
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, 12)
		q := drawAccess(t, h)
		from := rapid.Uint64Range(h.first, h.last()).Draw(t, "from")
		to := h.last() - rapid.Uint64Range(0, h.last()-from).Draw(t, "to before the last")
		spans, err := account.AccessSpans(ctx, drawHistoryView(t, h), q, from, to)
		if err != nil {
			t.Fatalf("AccessSpans: %v", err)
		}
		for r := from; r <= to; r++ {
			if want := answer(h.snap(r), q); inSpans(spans, q.User, r) != want {
				t.Fatalf("at revision %d %s is %v, spans %+v", r, q, want, spans)
			}
		}
		checkSpans(t, h, q, from, spans)
	})
}

// TestWhoCouldAgreesWithAt checks that WhoCould's spans cover exactly the
// users Can allows at each revision.
func TestWhoCouldAgreesWithAt(t *testing.T) {
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, 12)
		act := rapid.SampledFrom(permission.Actions()).Draw(t, "action")
		from := rapid.Uint64Range(h.first, h.last()).Draw(t, "from")
		to := h.last() - rapid.Uint64Range(0, h.last()-from).Draw(t, "to before the last")
		spans, err := account.WhoCould(ctx, h.log, act, from, to)
		if err != nil {
			t.Fatalf("WhoCould: %v", err)
		}
		if !slices.IsSortedFunc(spans, func(x, y account.Span) int {
			return cmp.Or(strings.Compare(x.User, y.User), cmp.Compare(x.From, y.From))
		}) {
			t.Fatalf("spans not sorted: %+v", spans)
		}
		var specs []account.Spec
		for r := from; r <= to; r++ {
			specs = append(specs, h.snap(r).Spec())
		}
		for _, u := range usersOf(specs...) {
			for r := from; r <= to; r++ {
				if want := h.snap(r).Can(u, act); inSpans(spans, u, r) != want {
					t.Fatalf("at revision %d Can(%q, %s) is %v, spans %+v", r, u, act, want, spans)
				}
			}
			var mine []account.Span
			for _, s := range spans {
				if s.User == u {
					mine = append(mine, s)
				}
			}
			checkSpans(t, h, account.Access{User: u, Action: act}, from, mine)
		}
	})
}

func TestProvenanceExample(t *testing.T) {
	ctx := context.Background()
	a := mustAccount(t)
	log := accounttest.NewLogFrom(a)
	s := account.NewStoreWith(a, log)
	steps := []func(*account.Tx) error{
		func(tx *account.Tx) error { return tx.SetPermissions("ann", "cat", permission.Billing) }, // r1
		func(tx *account.Tx) error {
			return tx.SetPermissions("ann", "cat", permission.Billing|permission.Create)
		}, // r2
		func(tx *account.Tx) error { return tx.SetTeamRole("ann", "web", "cat", account.RoleViewer) }, // r3
		func(tx *account.Tx) error { return tx.RenameTeam("ann", "web", "www") },                      // r4
	}
	for _, fn := range steps {
		if _, err := s.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		q    account.Access
		rev  uint64
		want string
	}{
		{account.Access{User: "cat", Action: permission.ViewUsage}, 4,
			`as of revision 4, "cat" may view-usage since revision 1: set-permissions by "ann" at `},
		{account.Access{User: "cat", Action: permission.ViewUsage}, 0,
			`as of revision 0, "cat" may not view-usage since the account was created`},
		{account.Access{User: "cat", Action: permission.ViewTeams, Team: "www"}, 4,
			`as of revision 4, "cat" may view-teams in team "www" since revision 4: rename-team by "ann" at `},
		{account.Access{User: "cat", Action: permission.ViewTeams, Team: "web"}, 3,
			`as of revision 3, "cat" may view-teams in team "web" since revision 3: set-team-role by "ann" at `},
		{account.Access{User: "bob", Action: permission.ManageTeams, Team: "www"}, 4,
			`as of revision 4, "bob" may not manage-teams in team "www" since the account was created`},
	}
	for _, tt := range tests {
		o, err := account.Provenance(ctx, log, tt.q, tt.rev)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(o.String(), tt.want) {
			t.Errorf("Provenance(%s, %d):\n got %s\nwant %s…", tt.q, tt.rev, o, tt.want)
		}
	}
	o, err := account.Provenance(ctx, log, account.Access{User: "cat", Action: permission.ViewUsage}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := `("cat": "view" to "view,billing")`; !strings.HasSuffix(o.String(), want) {
		t.Errorf("Provenance: %s, want it to end in %s", o, want)
	}
	// A history that begins later says so.
	late := &sliceHistory{start: a.WithRevision(9)}
	o, err = account.Provenance(ctx, late, account.Access{User: "bob", Action: permission.ViewUsage}, 9)
	if err != nil || !strings.HasSuffix(o.String(), "since revision 9, where the history begins") || !o.Allowed {
		t.Errorf("Provenance on a history that begins at 9: %v, %v", o, err)
	}
}

func TestHistoryQueryErrors(t *testing.T) {
	ctx := context.Background()
	a := mustAccount(t)
	log := accounttest.NewLogFrom(a)
	s := account.NewStoreWith(a, log)
	if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("ann", "dan", 0) }); err != nil {
		t.Fatal(err)
	}
	ok := account.Access{User: "bob", Action: permission.ViewUsage}
	boom := errors.New("boom")
	broken := &sliceHistory{start: a, events: collect(t, log), err: boom}
	tests := []struct {
		name string
		call func() error
		want error
		text string
	}{
		{"provenance: action 0", func() error {
			_, err := account.Provenance(ctx, log, account.Access{User: "bob"}, 1)
			return err
		}, account.ErrInvalid, "not an action"},
		{"provenance: team with view-usage", func() error {
			_, err := account.Provenance(ctx, log, account.Access{User: "bob", Action: permission.ViewUsage, Team: "web"}, 1)
			return err
		}, account.ErrInvalid, "view-teams or manage-teams"},
		{"provenance: nil history", func() error {
			_, err := account.Provenance(ctx, nil, ok, 1)
			return err
		}, account.ErrInvalid, "nil History"},
		{"provenance: future", func() error {
			_, err := account.Provenance(ctx, log, ok, 2)
			return err
		}, account.ErrNotCommitted, "revision 2: not committed yet"},
		{"provenance: before the history", func() error {
			late := accounttest.NewLogFrom(a.WithRevision(5))
			ls := account.NewStoreWith(a.WithRevision(5), late)
			if _, err := ls.Update(func(tx *account.Tx) error { return tx.AddMember("ann", "dan", 0) }); err != nil {
				t.Fatal(err)
			}
			_, err := account.Provenance(ctx, late, ok, 4)
			return err
		}, account.ErrNotKept, "revision 4: not kept: the history begins at revision 5"},
		{"provenance: read error", func() error {
			_, err := account.Provenance(ctx, broken, ok, 1)
			return err
		}, boom, "reading events"},
		{"spans: empty range", func() error {
			_, err := account.AccessSpans(ctx, log, ok, 1, 0)
			return err
		}, account.ErrInvalid, "empty range"},
		{"spans: future", func() error {
			_, err := account.AccessSpans(ctx, log, ok, 0, 5)
			return err
		}, account.ErrNotCommitted, "not committed yet"},
		{"spans: future start", func() error {
			_, err := account.AccessSpans(ctx, log, ok, 3, 5)
			return err
		}, account.ErrNotCommitted, "not committed yet"},
		{"who could: action 9", func() error {
			_, err := account.WhoCould(ctx, log, 9, 0, 1)
			return err
		}, account.ErrInvalid, "action(9)"},
		{"who could: future", func() error {
			_, err := account.WhoCould(ctx, log, permission.ViewUsage, 0, 2)
			return err
		}, account.ErrNotCommitted, "not committed yet"},
		{"who could: read error", func() error {
			_, err := account.WhoCould(ctx, broken, permission.ViewUsage, 0, 1)
			return err
		}, boom, "reading events"},
		{"who could: bad set", func() error {
			es := collect(t, log)
			es[0].After = "view,view"
			_, err := account.WhoCould(ctx, &sliceHistory{start: a, events: es}, permission.ViewUsage, 0, 1)
			return err
		}, account.ErrMismatch, `"view,view"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("error %v, want one wrapping %v and saying %q", err, tt.want, tt.text)
			}
		})
	}
}

// TestWhoCouldExample shows the spans of a short history with times.
func TestWhoCouldExample(t *testing.T) {
	a := mustAccount(t)
	log := accounttest.NewLogFrom(a)
	s := account.NewStoreWith(a, log)
	for _, fn := range []func(*account.Tx) error{
		func(tx *account.Tx) error { return tx.SetPermissions("ann", "cat", permission.Billing) }, // r1
		func(tx *account.Tx) error { return tx.RemoveMember("ann", "bob") },                       // r2
		func(tx *account.Tx) error { return tx.AddMember("ann", "dan", permission.Manage) },       // r3
	} {
		if _, err := s.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	spans, err := account.WhoCould(context.Background(), log, permission.ViewUsage, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		User     string
		From, To uint64
		By       string
	}
	var got []row
	for _, s := range spans {
		r := row{User: s.User, From: s.From, To: s.To}
		if s.Opened != nil {
			r.By = s.Opened.Actor
			if s.Opened.Time.IsZero() || s.Opened.Time.Location() != time.UTC {
				t.Errorf("span %+v opened without a UTC time", s)
			}
		}
		got = append(got, r)
	}
	want := []row{{"ann", 0, 0, ""}, {"bob", 0, 2, ""}, {"cat", 1, 0, "ann"}}
	if d := gocmp.Diff(want, got); d != "" {
		t.Errorf("WhoCould (-want +got):\n%s", d)
	}
}

// TestUpdateThatChangesBack checks that an update whose steps give and
// take back the same access, or take and give it back, changes no answer:
// provenance and spans look at what each update leaves, not at the steps
// between.
func TestUpdateThatChangesBack(t *testing.T) {
	ctx := context.Background()
	a := mustAccount(t)
	log := accounttest.NewLogFrom(a)
	s := account.NewStoreWith(a, log)
	for _, fn := range []func(*account.Tx) error{
		func(tx *account.Tx) error { // r1: cat gains and loses billing
			if err := tx.SetPermissions("ann", "cat", permission.Billing); err != nil {
				return err
			}
			return tx.SetPermissions("ann", "cat", permission.Create)
		},
		func(tx *account.Tx) error { // r2: bob loses and regains billing
			if err := tx.SetPermissions("ann", "bob", permission.View); err != nil {
				return err
			}
			return tx.SetPermissions("ann", "bob", permission.Billing)
		},
		func(tx *account.Tx) error { // r3: cat sees web, then does not
			if err := tx.SetTeamRole("ann", "web", "cat", account.RoleViewer); err != nil {
				return err
			}
			return tx.SetTeamRole("ann", "web", "cat", account.RoleCollaborator)
		},
	} {
		if _, err := s.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []account.Access{
		{User: "cat", Action: permission.ViewUsage},
		{User: "bob", Action: permission.ViewUsage},
		{User: "cat", Action: permission.ViewTeams, Team: "web"},
	} {
		o, err := account.Provenance(ctx, log, q, 3)
		if err != nil || o.Event != nil || o.Allowed != answer(s.Load(), q) {
			t.Errorf("Provenance(%s): %v, %v; want no event", q, o, err)
		}
		spans, err := account.AccessSpans(ctx, log, q, 0, 3)
		if err != nil || len(spans) > 1 || (len(spans) == 1 && (spans[0].From != 0 || spans[0].To != 0)) {
			t.Errorf("AccessSpans(%s): %+v, %v; want one whole span or none", q, spans, err)
		}
	}
	spans, err := account.WhoCould(ctx, log, permission.ViewUsage, 0, 3)
	if err != nil || len(spans) != 2 || spans[0].User != "ann" || spans[1].User != "bob" || spans[1].To != 0 {
		t.Errorf("WhoCould: %+v, %v; want ann and bob throughout", spans, err)
	}
}

// TestPermissionsSinceAgreesWithReplay checks PermissionsSince against the
// snapshots: for each member at a revision, the last update whose
// snapshot gives them another set than the one before it, and its last
// member step of them.
func TestPermissionsSinceAgreesWithReplay(t *testing.T) {
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, 12)
		rev := rapid.Uint64Range(h.first, h.last()).Draw(t, "revision")
		got, start, err := account.PermissionsSince(ctx, h.log, rev)
		if err != nil {
			t.Fatalf("PermissionsSince(%d): %v", rev, err)
		}
		want := map[string]account.Event{}
		for u := range h.snap(rev).Members() {
			for r := rev; r > h.first; r-- {
				now, nowOK := h.snap(r).Permissions(u)
				was, wasOK := h.snap(r - 1).Permissions(u)
				if now == was && nowOK == wasOK {
					continue
				}
				for _, e := range updateEvents(t, h, r) {
					switch e.Op {
					case account.OpAddMember, account.OpSetPermissions, account.OpRemoveMember:
						if e.User == u {
							want[u] = e
						}
					}
				}
				break
			}
		}
		if start != h.first {
			t.Fatalf("PermissionsSince(%d): history begins at %d, want %d", rev, start, h.first)
		}
		if d := gocmp.Diff(want, got); d != "" {
			t.Fatalf("PermissionsSince(%d) (-want +got):\n%s", rev, d)
		}
	})
}

func TestPermissionsSinceErrors(t *testing.T) {
	ctx := context.Background()
	a := mustAccount(t)
	if _, _, err := account.PermissionsSince(ctx, nil, 0); !errors.Is(err, account.ErrInvalid) {
		t.Errorf("nil History: %v, want ErrInvalid", err)
	}
	log := accounttest.NewLogFrom(a.WithRevision(5))
	if set, start, err := account.PermissionsSince(ctx, log, 5); err != nil || start != 5 || len(set) != 0 {
		t.Errorf("no updates, at the first revision: %v, %d, %v", set, start, err)
	}
	if _, _, err := account.PermissionsSince(ctx, log, 6); !errors.Is(err, account.ErrNotCommitted) {
		t.Errorf("no updates, past the first revision: %v, want ErrNotCommitted", err)
	}
	s := account.NewStoreWith(a.WithRevision(5), log)
	if _, err := s.Update(func(tx *account.Tx) error { return tx.SetPermissions("ann", "bob", permission.Create) }); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		rev  uint64
		want error
	}{
		{"before the history", 4, account.ErrNotKept},
		{"past the last", 7, account.ErrNotCommitted},
	} {
		var re *account.RevisionError
		if _, _, err := account.PermissionsSince(ctx, log, tt.rev); !errors.Is(err, tt.want) || !errors.As(err, &re) {
			t.Errorf("%s: %v, want a *RevisionError wrapping %v", tt.name, err, tt.want)
		}
	}
	if set, start, err := account.PermissionsSince(ctx, log, 5); err != nil || start != 5 || len(set) != 0 {
		t.Errorf("at the first revision: %v, %d, %v", set, start, err)
	}
	set, _, err := account.PermissionsSince(ctx, log, 6)
	if e, ok := set["bob"]; err != nil || !ok || e.Actor != "ann" || e.Revision != 6 || len(set) != 1 {
		t.Errorf("at revision 6: %v, %v; want bob's set-permissions by ann", set, err)
	}
}
