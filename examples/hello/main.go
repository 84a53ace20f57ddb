// Command hello is the program at the top of the README: an account kept
// in a journal on disk, a check, an authorized change, a refused one, and
// on the next run the change still there.
//
//	go run ./examples/hello [DIR]   # DIR defaults to acme-data
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/permission"
)

func main() {
	dir := "acme-data"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := run(dir, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(dir string, out io.Writer) error {
	// The account as the last run left it; on the first run, a new one.
	j, err := journal.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		var a *account.Account
		a, err = account.New(account.Spec{Name: "acme", Members: []account.Member{
			{User: "alice", Permissions: permission.Admin}, // view, billing, manage, create
			{User: "bob", Permissions: permission.View},
		}})
		if err == nil {
			j, err = journal.Create(dir, a)
		}
	}
	if err != nil {
		return err
	}
	defer j.Close()
	store := j.Store()

	acct := store.Load() // lock-free; Can does not allocate
	fmt.Fprintf(out, "revision %d: %v\n", acct.Revision(), acct.Explain("bob", permission.ViewUsage))
	if !acct.Can("bob", permission.ViewUsage) {
		// Each step checks its actor: alice may manage-users.
		acct, err = store.Update(func(tx *account.Tx) error {
			return tx.SetPermissions("alice", "bob", permission.View|permission.Billing)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "alice gave bob billing: revision %d, on disk\n", acct.Revision())
	}
	_, err = store.Update(func(tx *account.Tx) error {
		return tx.SetPermissions("bob", "bob", permission.Admin)
	})
	fmt.Fprintf(out, "refused: %v (forbidden: %v)\n", err, errors.Is(err, account.ErrForbidden))
	return nil
}
