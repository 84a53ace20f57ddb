package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/sqlite"
)

// writerEnv names the file a child process of TestProcesses writes to.
const writerEnv = "ENTACCESS_SQLITE_WRITER"

// childUpdates is how many updates the child process commits.
const childUpdates = 40

// Two processes write to one file at once: SQLite's locks order them, each
// catches up when its snapshot is stale, and every acknowledged update is
// there when the file is opened again.
func TestProcesses(t *testing.T) {
	if path := os.Getenv(writerEnv); path != "" {
		t.Skip("the writer process runs TestWriterProcess")
	}
	const each = childUpdates
	path := filepath.Join(t.TempDir(), "a.db")
	d := create(t, path, seed(t))
	child := exec.Command(os.Args[0], "-test.run=^TestWriterProcess$", "-test.count=1")
	child.Env = append(os.Environ(), writerEnv+"="+path)
	out := make(chan error, 1)
	var output []byte
	go func() {
		var err error
		output, err = child.CombinedOutput()
		out <- err
	}()
	// Wait for the child's first update, then write while it writes.
	for start := time.Now(); d.Store().Load().Revision() == 0; time.Sleep(time.Millisecond) {
		if _, err := d.Store().CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > time.Minute {
			t.Fatal("no update from the writer process after a minute")
		}
	}
	var retries int
	d.Store().SetHooks(&account.Hooks{Retry: func(account.RetryInfo) { retries++ }})
	const mine = 40
	for i := range mine {
		if _, err := d.Store().Update(add(fmt.Sprintf("parent-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-out; err != nil {
		t.Fatalf("writer process: %v\n%s", err, output)
	}
	t.Logf("the parent ran %d callbacks again after the child's updates", retries)
	d.Close()
	d2, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	a := d2.Store().Load()
	for i := range max(each, mine) {
		for who, n := range map[string]int{"parent": mine, "child": each} {
			if u := fmt.Sprintf("%s-%d", who, i); i < n && !a.IsMember(u) {
				t.Errorf("%s's update is missing", u)
			}
		}
	}
	if a.Revision() != uint64(mine+each) {
		t.Errorf("revision %d after %d updates", a.Revision(), mine+each)
	}
}

// TestWriterProcess is the second process of TestProcesses.
func TestWriterProcess(t *testing.T) {
	path := os.Getenv(writerEnv)
	if path == "" {
		t.Skip("run by TestProcesses as its second process")
	}
	d, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range childUpdates {
		if _, err := d.Store().Update(add(fmt.Sprintf("child-%d", i))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // leave the parent room to write in between
	}
}

func add(user string) func(*account.Tx) error {
	return func(tx *account.Tx) error { return tx.AddMember("alice", user, 0) }
}
