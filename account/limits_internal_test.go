package account

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account/internal/cow"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// TestDecodeArrayLimit decodes arrays at, below and past a small limit:
// past it, the error comes before any element is decoded.
func TestDecodeArrayLimit(t *testing.T) {
	for n := range 6 {
		data := strings.TrimSuffix("["+strings.Repeat(`"x",`, n), ",") + "]"
		decoded := 0
		var got []string
		err := decodeArray([]byte(data), &got, 3, "names", func(b []byte, s *string) error {
			decoded++
			return decodeString(b, s)
		})
		switch {
		case n <= 3 && (err != nil || len(got) != n || decoded != n):
			t.Errorf("decodeArray(%s, limit 3) = %q, %v; want %d entries", data, got, err, n)
		case n > 3 && (err == nil || decoded != 0 || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), strconv.Itoa(n)+" names, more than 3")):
			t.Errorf("decodeArray(%s, limit 3) = %v after decoding %d entries; want the limit's error first", data, err, decoded)
		}
	}
}

// TestStepLimits takes steps on accounts at and one short of each size
// limit: at the limit, a step that would add an entry fails with
// ErrInvalid and publishes nothing. The tables are filled directly, since
// building accounts of millions of members through New takes seconds.
func TestStepLimits(t *testing.T) {
	spec := Spec{Name: "a", Members: []Member{{User: "boss", Permissions: permission.Admin}},
		Teams: []Team{{Name: "t", Members: []TeamMember{{User: "boss", Role: RoleAdmin}}}}}
	// Tables at the limit, shared by both cases: neither changes its base.
	members := make(map[string]uint8, names.MaxMembers)
	members["boss"] = uint8(permission.Admin)
	// Users u0000001 …, cut from one string, so that filling the table
	// makes no allocation per user.
	all := make([]byte, 8*names.MaxMembers)
	for i := 1; i < names.MaxMembers; i++ {
		b := all[8*i : 8*i+8]
		b[0] = 'u'
		for k, n := 7, i; k > 0; k, n = k-1, n/10 {
			b[k] = byte('0' + n%10)
		}
	}
	users := string(all)
	for i := 1; i < names.MaxMembers; i++ {
		members[users[8*i:8*i+8]] = uint8(permission.View)
	}
	teams := make(map[string]*team, names.MaxTeams)
	for i := range names.MaxTeams {
		name := "t" + strconv.Itoa(i)
		teams[name] = &team{name: name, roles: map[string]Role{"boss": RoleAdmin}, admins: 1}
	}
	tests := []struct {
		name  string
		set   func(tx *Tx, atLimit bool)
		step  func(tx *Tx) error
		event Event // the step's event, which Replay refuses at the limit
		limit string
	}{
		{"members", func(tx *Tx, at bool) {
			tx.members.users = cow.FromFilteredMap(members)
			if !at {
				tx.members.users.Delete("u0000001")
			}
		}, func(tx *Tx) error { return tx.AddMember("boss", "new", 0) },
			Event{Revision: 1, Actor: "boss", Op: OpAddMember, User: "new", After: "view"},
			"the account has 2097152 members, the most allowed"},
		{"teams", func(tx *Tx, at bool) {
			tx.teams.PtrMap = cow.FromPtrMap(teams)
			if !at {
				tx.teams.Delete("t1")
			}
		}, func(tx *Tx) error { return tx.CreateTeam("boss", "new") },
			Event{Revision: 1, Actor: "boss", Op: OpCreateTeam, Team: "new", User: "boss", After: "new"},
			"the account has 65536 teams, the most allowed"},
	}
	for _, tt := range tests {
		for _, at := range []bool{false, true} {
			s := NewStore(mustNewInternal(t, spec))
			before := s.Load()
			a, err := s.Update(func(tx *Tx) error {
				tt.set(tx, at)
				return tt.step(tx)
			})
			switch {
			case !at && err != nil:
				t.Errorf("%s: one short of the limit: %v", tt.name, err)
			case at && (err == nil || a != nil || s.Load() != before || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.limit)):
				t.Errorf("%s: at the limit: %v; want ErrInvalid saying %q, nothing published", tt.name, err, tt.limit)
			}
			// Replay applies the change as the step does, limit included.
			tx := newTx(before, 0)
			tt.set(tx, at)
			from := tx.snapshot(0)
			got, err := from.Replay([]Event{tt.event})
			switch {
			case !at && (err != nil || got.Revision() != 1):
				t.Errorf("%s: Replay one short of the limit: %v", tt.name, err)
			case at && (!errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tt.limit)):
				t.Errorf("%s: Replay at the limit: %v; want ErrMismatch saying %q", tt.name, err, tt.limit)
			}
		}
	}
}

func mustNewInternal(t *testing.T, s Spec) *Account {
	t.Helper()
	a, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCompaction checks when a committed snapshot folds its overlay into a
// fresh base: small accounts on every change; from 2,048 members, once the
// overlay holds more than n/256 entries, and not before.
func TestCompaction(t *testing.T) {
	for n, want := range map[int]int{0: 0, 1: 0, 2047: 0, 2048: 8, 2303: 8, 2304: 9, 100000: 390} {
		if got := compactLimit(n); got != want {
			t.Errorf("compactLimit(%d) = %d, want %d", n, got, want)
		}
	}
	for _, n := range []int{2047, 2048} {
		spec := Spec{Name: "a", Members: []Member{{User: "boss", Permissions: permission.Admin}}}
		for i := 1; i < n; i++ {
			spec.Members = append(spec.Members, Member{User: "u" + strconv.Itoa(i), Permissions: permission.View})
		}
		s := NewStore(mustNewInternal(t, spec))
		limit := compactLimit(n)
		for k := 1; k <= limit+1; k++ {
			a, err := s.Update(func(tx *Tx) error {
				return tx.SetPermissions("boss", "u"+strconv.Itoa(k), permission.Billing)
			})
			if err != nil {
				t.Fatal(err)
			}
			want := k
			if k > limit {
				want = 0 // folded
			}
			if got := a.members.users.Overlay(); got != want || a.NumMembers() != n {
				t.Errorf("%d members, change %d: overlay of %d, %d members; want an overlay of %d", n, k, got, a.NumMembers(), want)
			}
			for j := 1; j <= k; j++ {
				if p, _ := a.Permissions("u" + strconv.Itoa(j)); p != permission.View|permission.Billing {
					t.Fatalf("%d members, change %d: u%d holds %v", n, k, j, p)
				}
			}
		}
	}
}
