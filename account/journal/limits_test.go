package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// A checkpoint is written in frames of bounded size, whatever the size of
// the account, so that Open, which refuses frames over its limit, reads
// the checkpoint of any account within the documented limits.
func TestCheckpointFramesAreBounded(t *testing.T) {
	spec := account.Spec{Name: "big", Members: []account.Member{{User: "alice", Permissions: permission.Admin}}}
	team := account.Team{Name: "web", Members: []account.TeamMember{{User: "alice", Role: account.RoleAdmin}}}
	for i := range 6000 {
		u := fmt.Sprintf("%05d-%s", i, strings.Repeat("m", 250))
		spec.Members = append(spec.Members, account.Member{User: u, Permissions: permission.View})
		team.Members = append(team.Members, account.TeamMember{User: u, Role: account.RoleMember})
	}
	spec.Teams = []account.Team{team}
	a, err := account.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	j, err := create(osFS{}, dir, a.WithRevision(9), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	data, err := os.ReadFile(filepath.Join(dir, ckptName(9)))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2*ckptChunk {
		t.Fatalf("the checkpoint has %d bytes, want several frames' worth", len(data))
	}
	frames := 0
	for off := len(ckptMagic); off < len(data); frames++ {
		n := int(binary.LittleEndian.Uint32(data[off:]))
		if n > ckptChunk+2*maxName {
			t.Fatalf("a frame of %d bytes at offset %d", n, off)
		}
		off += headerLen + n
	}
	if frames < 4 {
		t.Errorf("%d frames", frames)
	}
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	sameSpec(t, a.WithRevision(9), j.Store().Load())
}

// An update whose record would be larger than Open reads is refused, and
// the journal goes on.
func TestRecordOverLimitRefused(t *testing.T) {
	big := []account.Event{{Revision: 3, Actor: "alice", Op: account.OpAddMember, User: strings.Repeat("x", maxPayload), After: "view"}}
	buf := []byte("before")
	buf, err := appendRecord(buf, big, 2, 0)
	if !errors.Is(err, account.ErrInvalid) || string(buf) != "before" {
		t.Fatalf("appendRecord of %d bytes = %d bytes, %v; want ErrInvalid and the buffer as it was", maxPayload, len(buf), err)
	}
	if _, err := appendRecord(nil, big[:1:1], 2, 0); err == nil || !strings.Contains(err.Error(), "revision 3") {
		t.Errorf("the error does not name the revision: %v", err)
	}
	// A record of exactly the limit is written, and reads back.
	ev := func(n int) []account.Event {
		return []account.Event{{Revision: 3, Actor: "alice", Op: account.OpAddMember, User: strings.Repeat("x", n), After: "view"}}
	}
	n := maxPayload - 100
	for size := len(appendUpdate(nil, ev(n), 2, 0)); size != maxPayload; size = len(appendUpdate(nil, ev(n), 2, 0)) {
		n -= size - maxPayload
	}
	rec, err := appendRecord(nil, ev(n), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec)-headerLen != maxPayload {
		t.Fatalf("a record of %d bytes, want %d", len(rec)-headerLen, maxPayload)
	}
	fr := newFrameReader(bytes.NewReader(rec), 0)
	if _, _, err := fr.next(); err != nil {
		t.Fatalf("a record just under the limit does not read back: %v", err)
	}
}

// Revisions end before the last uint64, so that the segment after the
// last revision has a name: Create leaves room for an update, and an
// update past the last revision is refused.
func TestRevisionOverflowRefused(t *testing.T) {
	for _, rev := range []uint64{math.MaxUint64, math.MaxUint64 - 1} {
		_, err := create(osFS{}, t.TempDir(), testAccount(t).WithRevision(rev), defaultOptions)
		if !errors.Is(err, account.ErrInvalid) {
			t.Errorf("Create at revision %d = %v, want ErrInvalid", rev, err)
		}
	}
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t).WithRevision(math.MaxUint64-2), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Store().Update(addUser(1)); err != nil {
		t.Fatalf("the last revision: %v", err)
	}
	if _, err := j.Store().Update(addUser(2)); !errors.Is(err, account.ErrInvalid) {
		t.Errorf("an update past the last revision = %v, want ErrInvalid", err)
	}
	j.Close()
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if r := j.Store().Load().Revision(); r != math.MaxUint64-1 {
		t.Errorf("reopened at revision %d", r)
	}
}

// ckptBytes returns a checkpoint file holding the given frame payloads and
// the empty frame that ends it.
func ckptBytes(payloads ...[]byte) []byte {
	b := []byte(ckptMagic)
	for _, p := range append(payloads, nil) {
		b = appendFrame(b, func(dst []byte) []byte { return append(dst, p...) })
	}
	return b
}

// ckptHead is the head item of a checkpoint: revision, origin, name and
// counts.
func ckptHead(rev, origin, members, teams uint64) []byte {
	b := binary.AppendUvarint(nil, rev)
	b = binary.AppendUvarint(b, origin)
	b = appendString(b, "acme")
	b = binary.AppendUvarint(b, members)
	return binary.AppendUvarint(b, teams)
}

// A checkpoint whose frames are intact but whose content is not what the
// journal writes is refused, saying what is wrong, without allocating for
// counts past the account's limits.
func TestReadAccountRefuses(t *testing.T) {
	alice := append(appendString(nil, "alice"), byte(permission.Admin))
	good := ckptBytes(ckptHead(4, 1, 1, 0), alice)
	if _, _, err := readAccount(newFrameReader(bytes.NewReader(good), 0)); err != nil {
		t.Fatalf("the well-formed checkpoint: %v", err)
	}
	long := strings.Repeat("a", maxName) // as long as a name may be
	if a, _, err := readAccount(newFrameReader(bytes.NewReader(ckptBytes(ckptHead(4, 1, 2, 0), alice, append(appendString(nil, long), byte(permission.View)))), 0)); err != nil || !a.IsMember(long) {
		t.Fatalf("a checkpoint with a name of %d bytes: %v", maxName, err)
	}
	team := func(flag byte, users uint64) []byte {
		return binary.AppendUvarint(append(appendString(nil, "web"), flag), users)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"bad header", append([]byte("entaccess ckpt1\n"), good[len(ckptMagic):]...), "not a checkpoint"},
		{"empty", nil, "not a checkpoint"},
		{"no frames", []byte(ckptMagic), "cut short"},
		{"cut short", good[:len(good)-headerLen], "cut short"},
		{"cut in a frame", good[:len(good)-headerLen-3], "cut short"},
		{"damaged frame", append(append([]byte(nil), good[:len(ckptMagic)+headerLen+1]...), append([]byte{good[len(ckptMagic)+headerLen+1] ^ 1}, good[len(ckptMagic)+headerLen+2:]...)...), "checksum mismatch"},
		{"members over the limit", ckptBytes(ckptHead(4, 1, 1<<21+1, 0), alice), "malformed counts"},
		{"teams over the limit", ckptBytes(ckptHead(4, 1, 1, 1<<16+1), alice), "malformed counts"},
		{"team members over the limit", ckptBytes(ckptHead(4, 1, 1, 1), alice, team(0, 1<<21+1)), "malformed team member count"},
		{"fewer members than counted", ckptBytes(ckptHead(4, 1, 2, 0), alice), "ends before its last item"},
		{"an item left over", ckptBytes(ckptHead(4, 1, 1, 0), append(append([]byte(nil), alice...), alice...)), "bytes after the last item"},
		{"a frame left over", ckptBytes(ckptHead(4, 1, 1, 0), alice, alice), "bytes after the last item"},
		{"bytes after the end", append(append([]byte(nil), good...), 0), "bytes after the end of the checkpoint"},
		{"licensed flag", ckptBytes(ckptHead(4, 1, 1, 1), alice, team(2, 0)), "malformed licensed flag"},
		{"name too long", ckptBytes(ckptHead(4, 1, 1, 0), append(appendString(nil, strings.Repeat("a", maxName+1)), 15)), "malformed user"},
		{"created after its revision", ckptBytes(ckptHead(4, 5, 1, 0), alice), "created at revision 5"},
		{"not an account", ckptBytes(ckptHead(4, 1, 1, 0), append(appendString(nil, "alice"), byte(permission.View))), "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, err := readAccount(newFrameReader(bytes.NewReader(tc.data), 0))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("readAccount = %v, %v; want an error saying %q", a, err, tc.want)
			}
		})
	}
}
