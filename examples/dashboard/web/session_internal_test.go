package web

import (
	"errors"
	"testing"
	"time"
)

// TestSessionLimit: at maxSessions, expired sessions make room; when none
// has expired, a new sign-in is refused and every session held goes on.
func TestSessionLimit(t *testing.T) {
	var s sessions
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	first, err := s.start("alice", now)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < maxSessions; i++ {
		if _, err := s.start("user"+string(rune('a'+i%26))+time.Duration(i).String(), now.Add(time.Hour)); err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
	}
	if _, err := s.start("mallory", now.Add(time.Hour)); !errors.Is(err, errTooManySessions) {
		t.Fatalf("session %d: %v, want errTooManySessions", maxSessions+1, err)
	}
	if _, ok := s.get(first.id, now.Add(time.Hour)); !ok {
		t.Fatal("a refused sign-in ended alice's session")
	}
	if n := s.count(); n != maxSessions {
		t.Fatalf("%d sessions, want %d", n, maxSessions)
	}
	// Once alice's session expires, it makes room.
	if _, err := s.start("mallory", now.Add(sessionLife+time.Minute)); err != nil {
		t.Fatalf("with an expired session to drop: %v", err)
	}
	if _, ok := s.get(first.id, now.Add(time.Hour)); ok {
		t.Error("alice's expired session is still there")
	}
	if len(s.byUser) != len(s.byID) || s.byUser["alice"] != nil {
		t.Errorf("%d users for %d sessions; alice's ids %v", len(s.byUser), len(s.byID), s.byUser["alice"])
	}
}
