package journal

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// A checkpoint's counts may be as large as the account's limits: the
// decoder refuses only counts past them. A count at the limit gets past
// the check and fails later, for want of the items it counts.
func TestReadAccountCountsAtTheLimits(t *testing.T) {
	alice := append(appendString(nil, "alice"), byte(permission.Admin))
	team := func(users uint64) []byte {
		return binary.AppendUvarint(append(appendString(nil, "web"), 0), users)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"members", ckptBytes(ckptHead(4, 1, names.MaxMembers, 0), alice)},
		{"teams", ckptBytes(ckptHead(4, 1, 1, names.MaxTeams), alice)},
		{"team members", ckptBytes(ckptHead(4, 1, 1, 1), alice, team(names.MaxTeamMembers))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAccount(newFrameReader(bytes.NewReader(tc.data), 0))
			if err == nil || !strings.Contains(err.Error(), "ends before its last item") {
				t.Fatalf("readAccount: %v; want an error saying the checkpoint ends before its last item", err)
			}
		})
	}
}

// A checkpoint item cut short after a string that ends its frame is
// refused naming the field that is missing, not the string before it,
// which was whole.
func TestReadAccountNamesTheMissingField(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"member without permissions", ckptBytes(ckptHead(4, 1, 1, 0), appendString(nil, "alice")), "malformed permissions"},
		{"team without its flag", ckptBytes(ckptHead(4, 1, 1, 1), append(appendString(nil, "alice"), byte(permission.Admin)), appendString(nil, "web")), "malformed licensed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAccount(newFrameReader(bytes.NewReader(tc.data), 0))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("readAccount: %v; want an error saying %q", err, tc.want)
			}
		})
	}
}
