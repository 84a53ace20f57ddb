package account_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// observerStore returns a Store whose account has one member, "ana", who
// may manage users.
func observerStore(t *testing.T) *account.Store {
	t.Helper()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "ana", Permissions: permission.Manage}}})
	if err != nil {
		t.Fatal(err)
	}
	return account.NewStore(a)
}

// addMember is an Update callback in which ana adds user with View.
func addMember(user string) func(*account.Tx) error {
	return func(tx *account.Tx) error { return tx.AddMember("ana", user, permission.View) }
}

// within runs f on its own goroutine and fails the test if f has not
// returned after a generous time: a test of something that used to
// deadlock fails instead of hanging.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not return within 30s: deadlock", what)
	}
}

// users returns the users of events, in order.
func users(events []account.Event) []string {
	var us []string
	for _, e := range events {
		us = append(us, e.User)
	}
	return us
}

// TestLogObserverNilLogger: a nil logger logs to slog.Default as it is when
// the observer runs, not when it was made.
func TestLogObserverNilLogger(t *testing.T) {
	s := observerStore(t)
	s.SetObserver(account.LogObserver(nil))

	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })
	var buf bytes.Buffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))

	a, err := s.Update(addMember("bo"))
	if err != nil {
		t.Fatal(err)
	}
	want := "level=INFO msg=\"account change\" revision=1 actor=ana op=add-member user=bo before=\"\" after=view\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if got := s.Load(); got != a || !got.IsMember("bo") {
		t.Errorf("Load() = revision %d, want the committed revision %d", got.Revision(), a.Revision())
	}
}

// TestObserverPanic: a panic in the observer comes out of Update after the
// update is published; the Store stays usable and keeps its observer.
func TestObserverPanic(t *testing.T) {
	s := observerStore(t)
	before := s.Load()
	var seen []string
	s.SetObserver(func(events []account.Event) {
		seen = append(seen, users(events)...)
		if events[0].User == "bo" {
			panic("observer failed")
		}
	})

	var recovered any
	within(t, "Update with a panicking observer", func() {
		defer func() { recovered = recover() }()
		s.Update(addMember("bo"))
		t.Error("Update returned; want the observer's panic")
	})
	if recovered != "observer failed" {
		t.Fatalf("recovered %v, want the observer's panic value", recovered)
	}
	a := s.Load()
	if a.Revision() != before.Revision()+1 || !a.IsMember("bo") {
		t.Fatalf("after the panic, Load() = revision %d, member bo %t; want revision %d with bo",
			a.Revision(), a.IsMember("bo"), before.Revision()+1)
	}
	if before.IsMember("bo") {
		t.Error("the earlier snapshot changed")
	}

	// The Store is unlocked: the next update commits and is observed.
	within(t, "the Update after the panic", func() {
		next, err := s.Update(addMember("cy"))
		if err != nil {
			t.Errorf("Update after the panic: %v", err)
			return
		}
		if next.Revision() != a.Revision()+1 || s.Load() != next {
			t.Errorf("Update after the panic: revision %d, want %d, published", next.Revision(), a.Revision()+1)
		}
	})
	if diff := cmp.Diff([]string{"bo", "cy"}, seen); diff != "" {
		t.Errorf("observed users (-want +got):\n%s", diff)
	}
}

// TestUpdateCallbackPanic: a panic in the callback publishes nothing,
// reaches the caller, and leaves the Store usable.
func TestUpdateCallbackPanic(t *testing.T) {
	s := observerStore(t)
	before := s.Load()
	observed := 0
	s.SetObserver(func(events []account.Event) { observed += len(events) })
	var recovered any
	within(t, "Update with a panicking callback", func() {
		defer func() { recovered = recover() }()
		s.Update(func(tx *account.Tx) error {
			if err := tx.AddMember("ana", "bo", permission.View); err != nil {
				return err
			}
			panic("callback failed")
		})
	})
	if recovered != "callback failed" {
		t.Fatalf("recovered %v, want the callback's panic value", recovered)
	}
	if s.Load() != before || observed != 0 {
		t.Fatalf("a panicking callback published revision %d (observed %d events), want nothing", s.Load().Revision(), observed)
	}
	within(t, "the Update after the panic", func() {
		if _, err := s.Update(addMember("bo")); err != nil {
			t.Errorf("Update after the panic: %v", err)
		}
	})
	if !s.Load().IsMember("bo") || observed != 1 {
		t.Errorf("the Update after the panic: bo is member %t, %d events observed; want true, 1", s.Load().IsMember("bo"), observed)
	}
}

// TestSetObserverDuringUpdate: SetObserver does not wait for the update
// in progress, whether called from its callback or from the observer. One
// set by the callback receives that update's events; one set by the
// observer, the next update's.
func TestSetObserverDuringUpdate(t *testing.T) {
	s := observerStore(t)
	var first, second, third []string
	within(t, "SetObserver inside an Update callback", func() {
		s.SetObserver(func(events []account.Event) { first = append(first, users(events)...) })
		_, err := s.Update(func(tx *account.Tx) error {
			s.SetObserver(func(events []account.Event) {
				second = append(second, users(events)...)
				s.SetObserver(func(events []account.Event) { third = append(third, users(events)...) })
			})
			return tx.AddMember("ana", "bo", permission.View)
		})
		if err != nil {
			t.Errorf("Update: %v", err)
		}
		if _, err := s.Update(addMember("cy")); err != nil {
			t.Errorf("Update: %v", err)
		}
	})
	for _, c := range []struct {
		name      string
		want, got []string
	}{
		{"observer replaced in the callback", nil, first},
		{"observer set in the callback", []string{"bo"}, second},
		{"observer set by the observer", []string{"cy"}, third},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s saw (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestSetObserverConcurrent replaces and removes the observer while updates
// run (under -race, a data race fails the test): every update's events reach
// whichever observer was set when it was published, one update at a time.
func TestSetObserverConcurrent(t *testing.T) {
	s := observerStore(t)
	var (
		mu     sync.Mutex
		events int
	)
	observe := func(es []account.Event) {
		mu.Lock()
		events += len(es)
		mu.Unlock()
	}
	const n = 200
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			if i%3 == 0 {
				s.SetObserver(nil)
			} else {
				s.SetObserver(observe)
			}
		}
		s.SetObserver(observe)
	})
	within(t, "updates while the observer changes", func() {
		for i := range n {
			if _, err := s.Update(addMember(fmt.Sprint("u", i))); err != nil {
				t.Errorf("Update %d: %v", i, err)
				return
			}
		}
		wg.Wait()
	})
	mu.Lock()
	got := events
	mu.Unlock()
	if got > n {
		t.Errorf("observed %d events of %d updates", got, n)
	}
	// The observer set last receives the next update.
	if _, err := s.Update(addMember("last")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if events != got+1 {
		t.Errorf("the last observer set saw %d events of the next update, want 1", events-got)
	}
}
