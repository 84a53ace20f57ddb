package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account/postgres"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually waits up to 5s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s: not within 5s", what)
		}
	}
}

// A replica whose catch-up fails says so at once, by Health and in the
// log, and says so again when it has caught up.
func TestHealthReportsFailedCatchUp(t *testing.T) {
	pool := database(t)
	var log syncBuffer
	r := create(t, pool, postgres.Options{Poll: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err := r.Health(); err != nil {
		t.Fatalf("Health of a new replica: %v", err)
	}
	exec(t, pool, `ALTER TABLE entaccess_updates RENAME TO entaccess_updates_away`)
	eventually(t, "Health reports the failure", func() bool { return r.Health() != nil })
	if err := r.Health(); !strings.Contains(err.Error(), "entaccess_updates") {
		t.Errorf("Health: %v; want the failure's cause", err)
	}
	eventually(t, "the failure is logged", func() bool { return strings.Contains(log.String(), "cannot catch up") })
	if got := log.String(); !strings.Contains(got, "level=ERROR") || !strings.Contains(got, "account=acme") {
		t.Errorf("log:\n%s", got)
	}
	exec(t, pool, `ALTER TABLE entaccess_updates_away RENAME TO entaccess_updates`)
	eventually(t, "Health recovers", func() bool { return r.Health() == nil })
	eventually(t, "the recovery is logged", func() bool { return strings.Contains(log.String(), "caught up again") })
	if n := strings.Count(log.String(), "cannot catch up"); n != 1 {
		t.Errorf("the failure was logged %d times, want once while it lasted", n)
	}
	if _, err := addMember(r.Store(), "ann"); err != nil {
		t.Errorf("update after recovering: %v", err)
	}
	if err := r.Close(); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Close: %v", err)
	}
}
