package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
)

// A token names its account and revision: another replica of the account
// answers on a snapshot at least that new; a token of another account, or
// one beyond the database's revision, or a malformed one, is refused at
// once as the client's mistake.
func TestFreshnessTokens(t *testing.T) {
	pool := database(t)
	w := create(t, pool, postgres.Options{Poll: -1})
	// s hears of commits only by polling, every 100ms.
	s := open(t, poolOn(t, pool), postgres.Options{Poll: 100 * time.Millisecond, Notified: func(ctx context.Context) { <-ctx.Done() }})
	spec := seed(t).Spec()
	spec.Name = "globex"
	g, err := account.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	other, err := postgres.CreateWith(context.Background(), pool, g, postgres.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer closeReplica(t, other)
	a, err := addMember(w.Store(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	token := w.Token(a)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := s.Fresh(ctx, token)
	if err != nil || got.Revision() < 1 || !got.IsMember("ann") {
		t.Fatalf("Fresh(%q) on another replica: %v", token, err)
	}
	for name, tok := range map[string]string{
		"another account's":         other.Token(other.Store().Load()),
		"beyond the database":       w.Token(a.WithRevision(1000)),
		"malformed":                 "1",
		"a revision that is no one": postgres.TokenPrefix("acme") + ".x",
	} {
		start := time.Now()
		_, err := s.Fresh(ctx, tok)
		if !errors.Is(err, account.ErrInvalid) {
			t.Errorf("%s token %q: %v; want ErrInvalid", name, tok, err)
		}
		if errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Errorf("%s token %q: waited %v", name, tok, time.Since(start))
		}
	}
}

// A replica that cannot catch up refuses to claim freshness it cannot know,
// at once.
func TestFreshnessOfAnUnhealthyReplica(t *testing.T) {
	pool := database(t)
	w := create(t, pool, postgres.Options{Poll: -1})
	s := open(t, poolOn(t, pool), postgres.Options{Poll: -1, Notified: func(ctx context.Context) { <-ctx.Done() }})
	if _, err := addMember(w.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store().CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, err := addMember(w.Store(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	exec(t, pool, `UPDATE entaccess_updates SET events = jsonb_set(events, '{0,user}', '"mallory"') WHERE revision = 2`)
	if _, err := s.Store().CatchUp(context.Background()); !errors.Is(err, account.ErrMismatch) {
		t.Fatalf("CatchUp over an edit: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Fresh(ctx, w.Token(a)); !errors.Is(err, account.ErrMismatch) {
		t.Errorf("Fresh on a replica that cannot catch up: %v; want its health's error", err)
	}
	if err := s.Close(); !errors.Is(err, account.ErrMismatch) {
		t.Errorf("Close: %v", err)
	}
}
