package account_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// A history is a random sequence of committed updates on a Store whose
// Backend is an accounttest.Log, with the snapshot each Update returned.
type history struct {
	log   *accounttest.Log
	store *account.Store
	snaps []*account.Account // snaps[i] is the snapshot of revision first+i
	first uint64
}

// last returns the latest revision committed.
func (h *history) last() uint64 { return h.first + uint64(len(h.snaps)) - 1 }

// snap returns the snapshot Update returned for rev.
func (h *history) snap(rev uint64) *account.Account { return h.snaps[rev-h.first] }

// drawUpdate draws one update of one to three steps against the store's
// current state. The steps are drawn so that most updates commit: each is
// tried on a scratch Store first, and kept if it succeeds there; sometimes
// a failing step is kept too, and the update fails.
func drawUpdate(t *rapid.T, s *account.Store) []accounttest.Op {
	n := rapid.IntRange(1, 3).Draw(t, "steps")
	scratch := account.NewStore(s.Load())
	var ops []accounttest.Op
	for len(ops) < n {
		o := accounttest.OpFor(scratch.Load()).Draw(t, "op")
		if _, err := scratch.Update(o.Apply); err == nil || rapid.IntRange(0, 9).Draw(t, "keep failing") == 0 {
			ops = append(ops, o)
			if err != nil {
				break
			}
		}
	}
	return ops
}

// applyAll returns an update callback that takes every step of ops.
func applyAll(ops []accounttest.Op) func(*account.Tx) error {
	return func(tx *account.Tx) error {
		for _, o := range ops {
			if err := o.Apply(tx); err != nil {
				return err
			}
		}
		return nil
	}
}

// drawHistory draws an account, at a random first revision, and up to
// maxUpdates updates committed on it through a Log.
func drawHistory(t *rapid.T, maxUpdates int) *history {
	a, err := account.New(accounttest.Spec().Draw(t, "spec"))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a = a.WithRevision(rapid.SampledFrom([]uint64{0, 0, 7}).Draw(t, "first revision"))
	h := &history{log: accounttest.NewLogFrom(a), first: a.Revision()}
	h.store = account.NewStoreWith(a, h.log)
	if rapid.Bool().Draw(t, "keep overlays") {
		// Snapshots then share their storage with those before them, as
		// those of large accounts do between compactions.
		account.SetCompactAt(h.store, 1<<20)
	}
	h.snaps = []*account.Account{a}
	n := rapid.IntRange(min(4, maxUpdates), maxUpdates).Draw(t, "updates")
	for range n {
		next, err := h.store.Update(applyAll(drawUpdate(t, h.store)))
		if err == nil && next.Revision() == h.last()+1 {
			h.snaps = append(h.snaps, next)
		}
	}
	return h
}

// usersOf returns every user either spec names, plus an unknown user.
func usersOf(specs ...account.Spec) []string {
	var users []string
	for _, s := range specs {
		users = append(users, accounttest.Users(s)...)
	}
	slices.Sort(users)
	return slices.Compact(users)
}

// teamsOf returns every team either spec holds, plus a missing team.
func teamsOf(specs ...account.Spec) []string {
	teams := []string{"no such team"}
	for _, s := range specs {
		teams = append(teams, accounttest.Teams(s)...)
	}
	slices.Sort(teams)
	return slices.Compact(teams)
}

// checkSame fails t unless got is want: the same revision, Spec, and
// answers for every user, action and team.
func checkSame(t *rapid.T, what string, want, got *account.Account) {
	t.Helper()
	if got.Revision() != want.Revision() {
		t.Fatalf("%s: revision %d, want %d", what, got.Revision(), want.Revision())
	}
	if d := cmp.Diff(want.Spec(), got.Spec()); d != "" {
		t.Fatalf("%s: Spec (-want +got):\n%s", what, d)
	}
	ws := want.Spec()
	for _, u := range usersOf(ws) {
		for _, act := range permission.Actions() {
			if got.Can(u, act) != want.Can(u, act) {
				t.Fatalf("%s: Can(%q, %s) = %v", what, u, act, got.Can(u, act))
			}
		}
		for _, team := range teamsOf(ws) {
			if got.CanViewTeam(u, team) != want.CanViewTeam(u, team) {
				t.Fatalf("%s: CanViewTeam(%q, %q) = %v", what, u, team, got.CanViewTeam(u, team))
			}
		}
	}
}

// TestHistoryAt checks that At(r) of a Log's history is the snapshot Update
// returned for r, for every r, and that At of a revision not committed yet
// or before the history is an error saying so.
func TestHistoryAt(t *testing.T) {
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, 12)
		var hist account.History = h.log
		for r := h.first; r <= h.last(); r++ {
			got, err := hist.At(ctx, r)
			if err != nil {
				t.Fatalf("At(%d): %v", r, err)
			}
			checkSame(t, "At", h.snap(r), got)
		}
		_, err := hist.At(ctx, h.last()+1)
		var re *account.RevisionError
		if !errors.Is(err, account.ErrNotCommitted) || !errors.As(err, &re) || re.Latest != h.last() || !strings.Contains(err.Error(), "not committed yet") {
			t.Fatalf("At(%d), past the latest %d: %v", h.last()+1, h.last(), err)
		}
		if h.first > 0 {
			if _, err := hist.At(ctx, h.first-1); !errors.Is(err, account.ErrNotKept) {
				t.Fatalf("At(%d), before the history: %v", h.first-1, err)
			}
		}
	})
}

// A sliceHistory is a History of a start account and events in a slice,
// with whatever times the test gives them.
type sliceHistory struct {
	start  *account.Account
	events []account.Event
	err    error // yielded after the events, if not nil
}

func (s *sliceHistory) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return func(yield func(account.Event, error) bool) {
		i, _ := slices.BinarySearchFunc(s.events, after+1, func(e account.Event, rev uint64) int {
			return int(e.Revision) - int(rev)
		})
		for _, e := range s.events[i:] {
			if !yield(e, nil) {
				return
			}
		}
		if s.err != nil {
			yield(account.Event{}, s.err)
		}
	}
}

func (s *sliceHistory) At(ctx context.Context, rev uint64) (*account.Account, error) {
	return account.ReplayTo(ctx, s.start, s.Events(ctx, s.start.Revision()), rev)
}

// collect returns every event of h.
func collect(t testing.TB, h account.History) []account.Event {
	t.Helper()
	var es []account.Event
	for e, err := range h.Events(context.Background(), 0) {
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		es = append(es, e)
	}
	return es
}

func TestReplayToErrors(t *testing.T) {
	ctx := context.Background()
	a := mustAccount(t)
	log := accounttest.NewLogFrom(a)
	s := account.NewStoreWith(a, log)
	for _, u := range []string{"u1", "u2", "u3"} {
		if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("ann", u, permission.Billing) }); err != nil {
			t.Fatal(err)
		}
	}
	events := collect(t, log)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	boom := errors.New("boom")
	bad := slices.Clone(events)
	bad[1].Before = "view,manage"
	tests := []struct {
		name   string
		ctx    context.Context
		base   *account.Account
		events []account.Event
		err    error // yielded after events
		rev    uint64
		want   error
		text   string
	}{
		{name: "nil base", base: nil, rev: 1, want: account.ErrInvalid, text: "nil base"},
		{name: "before base", base: s.Load(), events: events, rev: 1, want: account.ErrNotKept, text: "not kept"},
		{name: "future", base: a, events: events, rev: 4, want: account.ErrNotCommitted, text: "revision 4: not committed yet: the latest is 3"},
		{name: "mismatch", base: a, events: bad, rev: 3, want: account.ErrMismatch, text: "revision 2"},
		{name: "read error", base: a, events: events[:1], err: boom, rev: 3, want: boom, text: "reading events"},
		{name: "cancelled", ctx: cancelled, base: a, events: events, rev: 2, want: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			h := &sliceHistory{events: tt.events, err: tt.err}
			got, err := account.ReplayTo(ctx, tt.base, h.Events(ctx, 0), tt.rev)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("ReplayTo: %v, %v; want an error wrapping %v and saying %q", got, err, tt.want, tt.text)
			}
		})
	}
	// Stopping at rev: events after it are not read, even a broken one.
	h := &sliceHistory{start: a, events: slices.Concat(events[:2], bad[2:])}
	if got, err := h.At(ctx, 2); err != nil || got.Revision() != 2 || !got.IsMember("u2") || got.IsMember("u3") {
		t.Fatalf("At(2) with a broken revision 3: %v, %v", got, err)
	}
}

// mustAccount returns a small account: ann holds every permission, bob
// views and bills, cat views; team web has ann as admin and bob as viewer.
func mustAccount(t testing.TB) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "ann", Permissions: permission.Admin},
			{User: "bob", Permissions: permission.Billing},
			{User: "cat", Permissions: permission.View},
		},
		Teams: []account.Team{{Name: "web", Members: []account.TeamMember{
			{User: "ann", Role: account.RoleAdmin}, {User: "bob", Role: account.RoleViewer}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRevisionAt(t *testing.T) {
	ctx := context.Background()
	a := mustAccount(t).WithRevision(4)
	log := accounttest.NewLogFrom(a)
	s := account.NewStoreWith(a, log)
	for _, u := range []string{"u1", "u2", "u3"} {
		if _, err := s.Update(func(tx *account.Tx) error {
			if err := tx.AddMember("ann", u, permission.Billing); err != nil {
				return err
			}
			return tx.SetTeamRole("ann", "web", u, account.RoleMember)
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Revisions 5, 6, 7 at 10:00, 11:00, 12:00, two events each.
	events := collect(t, log)
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := range events {
		events[i].Time = base.Add(time.Duration(events[i].Revision-5) * time.Hour)
	}
	h := &sliceHistory{start: a, events: events}
	tests := []struct {
		name string
		at   time.Time
		want uint64
	}{
		{"before the first update", base.Add(-time.Minute), 4},
		{"at the first update", base, 5},
		{"between", base.Add(90 * time.Minute), 6},
		{"at the last", base.Add(2 * time.Hour), 7},
		{"after the last", base.Add(48 * time.Hour), 7},
		{"in another zone", base.Add(time.Hour).In(time.FixedZone("CET", 3600)), 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := account.RevisionAt(ctx, h, tt.at)
			if err != nil || got != tt.want {
				t.Fatalf("RevisionAt(%s) = %d, %v; want %d", tt.at, got, err, tt.want)
			}
		})
	}
	if got, err := account.RevisionAt(ctx, &sliceHistory{start: a}, base); err != nil || got != 0 {
		t.Fatalf("RevisionAt on an empty history = %d, %v; want 0", got, err)
	}
	boom := errors.New("boom")
	if _, err := account.RevisionAt(ctx, &sliceHistory{start: a, err: boom}, base); !errors.Is(err, boom) {
		t.Fatalf("RevisionAt with a failing history: %v", err)
	}
	if _, err := account.RevisionAt(ctx, nil, base); !errors.Is(err, account.ErrInvalid) {
		t.Fatalf("RevisionAt(nil): %v", err)
	}
}

// TestLogAtWithoutStart checks that a Log that does not know the account
// it began with says so.
func TestLogAtWithoutStart(t *testing.T) {
	if _, err := accounttest.NewLog(0).At(context.Background(), 0); !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), "NewLogFrom") {
		t.Fatalf("At on a Log made by NewLog: %v", err)
	}
}
