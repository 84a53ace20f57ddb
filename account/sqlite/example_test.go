package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/sqlite"
	"github.com/entaccess/entaccess/permission"
)

// Two handles on one file, as two processes would hold them: an update on
// one reaches the other when it catches up.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "entaccess-sqlite")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "acme.db")

	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}}})
	if err != nil {
		log.Fatal(err)
	}
	first, err := sqlite.Create(ctx, path, a)
	if err != nil {
		log.Fatal(err)
	}
	defer first.Close()
	second, err := sqlite.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	defer second.Close()

	if _, err := first.Store().Update(func(tx *account.Tx) error {
		return tx.AddMember("alice", "bob", permission.Billing)
	}); err != nil {
		log.Fatal(err)
	}
	b, err := second.Store().CatchUp(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Revision(), b.Can("bob", permission.ViewUsage))
	for e, err := range second.Events(ctx, 0) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Revision, e.Actor, e.Op, e.User, e.After)
	}
	// Output:
	// 1 true
	// 1 alice add-member bob view,billing
}
