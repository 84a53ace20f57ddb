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
