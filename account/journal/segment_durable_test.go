package journal

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// durableFile returns what the disk of fsys holds for the file name, in a
// directory whose entries are synced, and whether it is there.
func durableFile(fsys *memFS, name string) ([]byte, bool) {
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	d, err := fsys.lookup(filepath.Dir(name))
	if err != nil {
		return nil, false
	}
	n, ok := d.durable[filepath.Base(name)]
	if !ok || n.file == nil {
		return nil, false
	}
	return n.file.durable, true
}

// A new segment, Create's or a rotation's, is durable, header and
// directory entry, before any record is written to it.
func TestNewSegmentDurable(t *testing.T) {
	fsys := newMemFS(rand.New(rand.NewPCG(1, 2)), 512, "/data")
	dir := "/data/j"
	j, err := create(fsys, dir, testAccount(t), options{checkpointBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if data, ok := durableFile(fsys, filepath.Join(dir, segName(1))); !ok || string(data) != segMagic {
		t.Fatalf("Create's segment on disk: %q, %t; want its header", data, ok)
	}
	var segs []uint64
	for i := 0; len(segs) < 2; i++ {
		if i == 10 {
			t.Fatalf("segments %v after %d updates past the threshold", segs, i)
		}
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
		j.mu.Lock()
		segs = slices.Clone(j.segs)
		j.mu.Unlock()
	}
	if data, ok := durableFile(fsys, filepath.Join(dir, segName(segs[1]))); !ok || string(data) != segMagic {
		t.Fatalf("the new segment on disk: %q, %t; want its header", data, ok)
	}
}
