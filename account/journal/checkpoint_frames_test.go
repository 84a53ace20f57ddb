package journal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// A checkpoint frame ends at the first item that brings its payload to
// ckptChunk bytes or more, and not before: frames are as full as the
// chunk size allows, and no fuller. The account is chosen so that the
// edges are hit exactly: every member item is 32 bytes, the head item 8,
// so the first frame reaches the chunk size 24 bytes past an item
// boundary and the later ones on one.
func TestCheckpointFrameEndsAtChunk(t *testing.T) {
	const item = 32 // a 30-byte user, its length and its permissions
	const members = 3*ckptChunk/item - 100
	spec := account.Spec{Name: "a", Members: make([]account.Member, 0, members)}
	spec.Members = append(spec.Members, account.Member{User: fmt.Sprintf("admin%025d", 0), Permissions: permission.Admin})
	for i := 1; i < members; i++ {
		spec.Members = append(spec.Members, account.Member{User: fmt.Sprintf("user%026d", i), Permissions: permission.View})
	}
	a, err := account.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	a = a.WithRevision(1)
	head := len(binary.AppendUvarint(binary.AppendUvarint(appendString(binary.AppendUvarint(binary.AppendUvarint(nil, 1), 1), "a"), members), 0))
	if head != 8 {
		t.Fatalf("the head item is %d bytes; the test needs 8", head)
	}
	// The rule, on the item sizes.
	var want []int
	size := head
	for range members {
		if size >= ckptChunk {
			want = append(want, size)
			size = 0
		}
		size += item
	}
	want = append(want, size, 0)
	if want[0] != ckptChunk+8 || want[1] != ckptChunk {
		t.Fatalf("the frames would be %v; the test needs them to reach the chunk size at its edges", want[:2])
	}

	var buf bytes.Buffer
	n, err := writeAccount(&buf, a, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("writeAccount says it wrote %d bytes; it wrote %d", n, buf.Len())
	}
	data := buf.Bytes()[len(ckptMagic):]
	var got []int
	for len(data) >= headerLen {
		k := int(binary.LittleEndian.Uint32(data))
		got = append(got, k)
		data = data[min(headerLen+k, len(data)):]
	}
	if len(data) != 0 {
		t.Fatalf("%d bytes after the last whole frame", len(data))
	}
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || got[i] != want[i] {
			t.Fatalf("%d frames, want %d; frame %d's payload is %d bytes, want %d (-1: none)", len(got), len(want), i, at(got, i), at(want, i))
		}
	}
	back, _, err := readAccount(newFrameReader(bytes.NewReader(buf.Bytes()), 0))
	if err != nil {
		t.Fatal(err)
	}
	if back.NumMembers() != members || back.Revision() != 1 {
		t.Errorf("read back %d members at revision %d", back.NumMembers(), back.Revision())
	}
}

// at returns s[i], or -1 past its end.
func at(s []int, i int) int {
	if i < len(s) {
		return s[i]
	}
	return -1
}
