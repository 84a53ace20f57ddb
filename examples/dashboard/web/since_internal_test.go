package web

import (
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
)

func TestSinceText(t *testing.T) {
	at := time.Date(2026, 5, 4, 9, 30, 12, 0, time.FixedZone("CEST", 2*60*60))
	for _, tt := range []struct {
		name  string
		e     account.Event
		ok    bool
		start uint64
		want  string
	}{
		{"added", account.Event{Revision: 17, Op: account.OpAddMember, Actor: "alice", Time: at}, true, 0, "since r17, added by alice on 2026-05-04 07:30 UTC"},
		{"set", account.Event{Revision: 18, Op: account.OpSetPermissions, Actor: "bob", Time: at}, true, 3, "since r18, set by bob on 2026-05-04 07:30 UTC"},
		{"no time", account.Event{Revision: 2, Op: account.OpSetPermissions, Actor: "bob"}, true, 0, "since r2, set by bob"},
		{"created", account.Event{}, false, 0, "since the account was created"},
		{"history begins later", account.Event{}, false, 5, "since r5, where the history begins"},
	} {
		if got := sinceText(tt.e, tt.ok, tt.start); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
