package journal

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// Create makes its directory, and the directories above it that it made,
// durable: a power loss after Create returned keeps the journal, however
// the unsynced directory changes fall.
func TestCreateSurvivesPowerLoss(t *testing.T) {
	for seed := range uint64(40) {
		fsys := newMemFS(rand.New(rand.NewPCG(seed, 1)), 4096, "/data")
		a := testAccount(t)
		j, err := create(fsys, "/data/accounts/acme", a, defaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		after := fsys.lose()
		j.Close()
		j, err = open(after, "/data/accounts/acme", defaultOptions)
		if err != nil {
			t.Fatalf("seed %d: Open after a power loss that followed Create: %v", seed, err)
		}
		sameSpec(t, a, j.Store().Load())
		j.Close()
	}
}

// A journal's files are readable by their owner only, and so is its
// directory: they say who may do what in the account.
func TestFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "j")
	j, err := create(osFS{}, dir, testAccount(t), options{checkpointBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := fi.Mode().Perm(); p&^dirPerm != 0 {
		t.Errorf("the directory has mode %v, want at most %v", p, os.FileMode(dirPerm))
	}
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if p := fi.Mode().Perm(); p&^filePerm != 0 {
			t.Errorf("%s has mode %v, want at most %v", e.Name(), p, os.FileMode(filePerm))
		}
	}
	if len(es) < 4 {
		t.Errorf("only %d files: want segments, checkpoints and LOCK", len(es))
	}
}
