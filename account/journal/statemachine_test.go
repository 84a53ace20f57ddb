package journal_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/account/journal"
)

// A journal-backed Store, reopened at random points, agrees with an
// in-memory Store given the same updates: state, revision and history.
func TestStateMachineWithReopen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, err := account.New(accounttest.Spec().Draw(t, "spec"))
		if err != nil {
			t.Skip(err)
		}
		dir, err := journal.TempDir()
		if err != nil {
			t.Fatal(err)
		}
		j, err := journal.CreateSmall(dir, a, int64(rapid.IntRange(100, 2000).Draw(t, "checkpoint bytes")))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { j.Close(); os.RemoveAll(dir) }()
		model := account.NewStore(a)
		var want []account.Event
		model.SetObserver(func(es []account.Event) { want = append(want, es...) })
		t.Repeat(map[string]func(*rapid.T){
			"update": func(t *rapid.T) {
				o := accounttest.OpFor(model.Load()).Draw(t, "op")
				_, errModel := model.Update(o.Apply)
				_, errJournal := j.Store().Update(o.Apply)
				if accounttest.Sentinel(errModel) != accounttest.Sentinel(errJournal) {
					t.Fatalf("%s: model %v, journal %v", o, errModel, errJournal)
				}
			},
			"reopen": func(t *rapid.T) {
				if err := j.Close(); err != nil {
					t.Fatal(err)
				}
				j, err = journal.OpenSmall(dir, 300)
				if err != nil {
					t.Fatal(err)
				}
			},
			"": func(t *rapid.T) {
				got, m := j.Store().Load(), model.Load()
				if got.Revision() != m.Revision() {
					t.Fatalf("revision %d, model %d", got.Revision(), m.Revision())
				}
				if diff := cmp.Diff(m.Spec(), got.Spec()); diff != "" {
					t.Fatalf("state (-model +journal):\n%s", diff)
				}
				var events []account.Event
				for e, err := range j.Events(context.Background(), 0) {
					if err != nil {
						t.Fatal(err)
					}
					events = append(events, e)
				}
				if diff := cmp.Diff(strip(want), strip(events)); diff != "" {
					t.Fatalf("history (-model +journal):\n%s", diff)
				}
			},
		})
	})
}

func strip(es []account.Event) []account.Event {
	c := make([]account.Event, len(es))
	for i, e := range es {
		e.Time = time.Time{}
		c[i] = e
	}
	return c
}
