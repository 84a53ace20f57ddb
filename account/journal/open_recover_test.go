package journal

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// Open replays the log from the record after its latest checkpoint, even
// when that checkpoint falls in the middle of a segment.
func TestOpenFromCheckpointInSegment(t *testing.T) {
	dir, states := buildSmall(t, 5, 1<<20, addUser)
	var buf bytes.Buffer
	if _, err := writeAccount(&buf, states[3], 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ckptName(3)), buf.Bytes(), filePerm); err != nil {
		t.Fatal(err)
	}
	j, err := open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatalf("Open with a checkpoint at revision 3, in the first segment: %v", err)
	}
	defer j.Close()
	sameSpec(t, states[5], j.Store().Load())
}

// An Open that finishes a Create cut short (its checkpoint written, its
// segment not yet renamed into place) makes the rename durable before it
// returns.
func TestOpenFinishesCreateDurably(t *testing.T) {
	fsys := newMemFS(rand.New(rand.NewPCG(3, 4)), 512, "/data")
	dir := "/data/j"
	j, err := create(fsys, dir, testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	seg := filepath.Join(dir, segName(1))
	if err := fsys.Rename(seg, seg+tmpSuffix); err != nil {
		t.Fatal(err)
	}
	if err := fsys.SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if j, err = open(fsys, dir, defaultOptions); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, ok := durableFile(fsys, seg); !ok {
		t.Errorf("%s is not on disk after Open finished the Create", segName(1))
	}
	if _, ok := durableFile(fsys, seg+tmpSuffix); ok {
		t.Errorf("%s is still on disk after Open finished the Create", segName(1)+tmpSuffix)
	}
}

// The torn tail Open drops stays dropped: the cut is durable before Open
// returns.
func TestOpenCutIsDurable(t *testing.T) {
	fsys := newMemFS(rand.New(rand.NewPCG(5, 6)), 512, "/data")
	dir := "/data/j"
	j, err := create(fsys, dir, testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	seg := filepath.Join(dir, segName(1))
	whole, _ := durableFile(fsys, seg)
	f, err := fsys.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAll(f, []byte("a record cut short")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if j, err = open(fsys, dir, defaultOptions); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got, _ := durableFile(fsys, seg); !bytes.Equal(got, whole) {
		t.Errorf("the segment on disk after Open is %d bytes, want the %d before the torn tail", len(got), len(whole))
	}
}
