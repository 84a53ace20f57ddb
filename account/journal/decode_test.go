package journal

import (
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/google/go-cmp/cmp"
)

// Decoding with shared names gives the same events as copying every
// string, appends after what dst holds, and leaves dst as it was on error.
func TestDecodeUpdateTo(t *testing.T) {
	at := time.Unix(0, 1234567890).UTC()
	updates := [][]account.Event{
		{{Revision: 1, Actor: "alice", Op: account.OpAddMember, User: "dan", After: "view"},
			{Revision: 1, Actor: "alice", Op: account.OpSetTeamRole, Team: "web", User: "dan", After: "member"}},
		{{Revision: 2, Actor: "alice", Op: account.OpSetPermissions, User: "dan", Before: "view", After: "view,billing"}},
		{{Revision: 3, Actor: "alice", Op: account.OpRenameTeam, Team: "web", Before: "web", After: string(make([]byte, maxInternLen+1))}},
	}
	var names interner
	var got, want []account.Event
	for _, es := range updates {
		for i := range es {
			es[i].Time = at
		}
		p := appendUpdate(nil, es, es[0].Revision-1, 0)
		plain, err := decodeUpdate(p)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, plain...)
		if got, err = decodeUpdateTo(got, p, &names); err != nil {
			t.Fatal(err)
		}
		n := len(got)
		if got, err = decodeUpdateTo(got, p[:len(p)-1], &names); err == nil || len(got) != n {
			t.Errorf("decoding a record cut short: %d events, %v; want %d and an error", len(got), err, n)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-copied +shared):\n%s", diff)
	}
	if _, ok := names.m["alice"]; !ok || len(names.m) != 5 {
		t.Errorf("interned %d names %v, want the 5 short ones (alice, web, member, view, view,billing)", len(names.m), names.m)
	}
}

// Names that share a slot of the interner's recent ones, or that are too
// long to keep, still come back as they were given.
func TestInternerRecent(t *testing.T) {
	names := []string{"view", "billing,view", "create,view", "alice", "web", "ab", "ba", "a", string(make([]byte, maxInternLen+1))}
	var in interner
	for range 3 {
		for _, n := range names {
			if got := in.get([]byte(n)); got != n {
				t.Errorf("get(%q) = %q", n, got)
			}
		}
	}
	if got := in.get(nil); got != "" {
		t.Errorf("get(nil) = %q", got)
	}
	if len(in.m) != len(names)-1 {
		t.Errorf("interned %d names, want %d", len(in.m), len(names)-1)
	}
}

// Decoding into a slice whose spare room holds events of earlier records
// sets every field of the events it adds, whatever was there, and a record
// that does not decode leaves no string of its own in that room. Times
// before 1970 and names of every length come back as written.
func TestDecodeUpdateToReusedRoom(t *testing.T) {
	stale := account.Event{Revision: 9, Actor: "old", Op: account.OpDeleteTeam, Team: "old-team", User: "old-user", Before: "b", After: "a", Time: time.Unix(99, 0)}
	es := []account.Event{
		{Revision: 5, Actor: "alice", Op: account.OpSetPermissions, User: "dan", Before: "view", After: "view,billing", Time: time.Unix(-86400*365, 17).UTC()},
		{Revision: 5, Op: account.OpAddMember, User: "eve", After: "view", Time: time.Unix(-86400*365, 17).UTC()},
	}
	p := appendUpdate(nil, es, 4, 0)
	dst := make([]account.Event, 1, 8)
	for i := range dst[:cap(dst)] {
		dst[:cap(dst)][i] = stale
	}
	var names interner
	got, err := decodeUpdateTo(dst, p, &names)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(append([]account.Event{stale}, es...), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// A record whose last name is cut short: its first event decodes, then
	// the record fails.
	got, err = decodeUpdateTo(got[:1], p[:len(p)-2], &names)
	if err == nil || len(got) != 1 {
		t.Fatalf("decoding a record cut short: %d events, %v; want 1 and an error", len(got), err)
	}
	for i, e := range got[1:3] {
		if e != (account.Event{}) {
			t.Errorf("room after a failed decode, [%d] = %+v, want it cleared", i+1, e)
		}
	}
}
