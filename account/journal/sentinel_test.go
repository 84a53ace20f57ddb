package journal_test

import (
	"errors"
	"io/fs"
	"runtime"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
)

// TestCreateExisting: Create on a directory that holds a journal is an
// error matching account.ErrExists and fs.ErrExist, and nothing else.
func TestCreateExisting(t *testing.T) {
	dir := t.TempDir()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: 15}}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(dir, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = journal.Create(dir, a)
	if !errors.Is(err, account.ErrExists) || !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create on a journal: %v, want an error matching account.ErrExists and fs.ErrExist", err)
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, journal.ErrLocked) || errors.Is(err, account.ErrInvalid) {
		t.Errorf("Create on a journal: %v matches a sentinel it should not", err)
	}
}

// TestLocked: Open and Create of a directory open in another Journal are
// errors matching ErrLocked.
func TestLocked(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no file locks on " + runtime.GOOS)
	}
	dir := t.TempDir()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: 15}}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(dir, a)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := journal.Open(dir); !errors.Is(err, journal.ErrLocked) {
		t.Errorf("Open of an open journal: %v, want ErrLocked", err)
	}
	if _, err := journal.Create(dir, a); !errors.Is(err, journal.ErrLocked) {
		t.Errorf("Create on an open journal: %v, want ErrLocked", err)
	}
	if _, err := journal.Create(t.TempDir(), a); errors.Is(err, journal.ErrLocked) {
		t.Errorf("Create in a fresh directory: %v", err)
	}
}
