package journal_test

import (
	"context"
	"fmt"
	"os"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/permission"
)

// Keep an account in a directory, update it, reopen it, and read the audit log.
func Example() {
	dir, err := os.MkdirTemp("", "journal-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	a, _ := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}}})
	j, err := journal.Create(dir, a)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Update returns once the change is on stable storage.
	if _, err := j.Store().Update(func(tx *account.Tx) error {
		return tx.AddMember("alice", "bob", permission.Billing)
	}); err != nil {
		fmt.Println(err)
	}
	j.Close()

	j, err = journal.Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer j.Close()
	fmt.Println("revision", j.Store().Load().Revision(), "bob is a member:", j.Store().Load().IsMember("bob"))
	for e, err := range j.Events(context.Background(), 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.Revision, e.Actor, e.Op, e.User, e.Before, "->", e.After)
	}
	// Output:
	// revision 1 bob is a member: true
	// 1 alice add-member bob  -> view,billing
}

// Keep only the latest checkpoints (beside Create's, which is always
// kept), and checkpoint after every 64 KiB of log.
func ExampleOptions() {
	dir, err := os.MkdirTemp("", "journal-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	opt := journal.Options{CheckpointBytes: 64 << 10, KeepCheckpoints: 4}
	a, _ := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}}})
	j, err := opt.Create(dir, a)
	if err != nil {
		fmt.Println(err)
		return
	}
	j.Close()

	j, err = opt.Open(dir) // the options are given at each Open
	if err != nil {
		fmt.Println(err)
		return
	}
	defer j.Close()
	fmt.Println("revision", j.Store().Load().Revision())
	// Output:
	// revision 0
}
