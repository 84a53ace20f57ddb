package account

import (
	"errors"
	"strconv"
	"strings"
	"testing"

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
// ErrInvalid and publishes nothing. The counts are set by hand, since real
// accounts of millions of members take seconds to build.
func TestStepLimits(t *testing.T) {
	spec := Spec{Name: "a", Members: []Member{{User: "boss", Permissions: permission.Admin}},
		Teams: []Team{{Name: "t", Members: []TeamMember{{User: "boss", Role: RoleAdmin}}}}}
	tests := []struct {
		name  string
		set   func(tx *Tx, atLimit bool)
		step  func(tx *Tx) error
		limit string
	}{
		{"members", func(tx *Tx, at bool) { tx.a.members.n = names.MaxMembers - b2i(!at) },
			func(tx *Tx) error { return tx.AddMember("boss", "new", 0) }, "the account has 2097152 members, the most allowed"},
		{"teams", func(tx *Tx, at bool) { tx.a.teams.n = names.MaxTeams - b2i(!at) },
			func(tx *Tx) error { return tx.CreateTeam("boss", "new") }, "the account has 65536 teams, the most allowed"},
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
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustNewInternal(t *testing.T, s Spec) *Account {
	t.Helper()
	a, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
