// Command quickstart tours entaccess in one screen of output: the
// permission table, an account and the checks it answers, an authorized
// change and a refused one, and the migration decision for three
// organizations, one per outcome.
//
//	go run ./examples/quickstart
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run writes the tour to w.
func run(w io.Writer) error {
	var b bytes.Buffer
	if err := tour(&b); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func tour(w *bytes.Buffer) error {
	// 1. The permission table: which permissions allow which action.
	fmt.Fprintln(w, "The permission table (X: that permission alone allows the action)")
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  action\tview\tbilling\tmanage\tcreate")
	for _, row := range permission.Table() {
		fmt.Fprintf(tw, "  %s", row.Action)
		for _, p := range permission.Permissions() {
			mark := "\t"
			if row.AllowedBy.Has(p) {
				mark = "\tX"
			}
			tw.Write([]byte(mark))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(w, strings.TrimRight(line, " \n")) // empty cells pad the line's end
	}

	// 2. An account: members with permissions, teams with roles.
	acct, err := account.New(account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "alice", Permissions: permission.Admin},
			{User: "bob", Permissions: permission.Billing}, // View is added
			{User: "carol", Permissions: permission.Create},
		},
		Teams: []account.Team{
			{Name: "web", Licensed: true, Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
				{User: "bob", Role: account.RoleViewer},
				{User: "zed", Role: account.RoleCollaborator}, // not an account member
			}},
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nAccount %q\n", acct.Name())
	for u, p := range acct.Members() {
		teams := acct.TeamsOf(u)
		if len(teams) == 0 {
			teams = []string{"none"}
		}
		fmt.Fprintf(w, "  %-6s holds %s; teams: %s\n", u, p, strings.Join(teams, ", "))
	}

	// 3. Checks, with the reason for each answer.
	fmt.Fprintln(w, "\nChecks (Can, explained)")
	for _, c := range []struct {
		user string
		act  permission.Action
	}{
		{"alice", permission.ManageUsers},
		{"bob", permission.ViewUsage},
		{"bob", permission.ViewSettings},
		{"carol", permission.CreateTeams},
		{"zed", permission.ViewTeams},
	} {
		fmt.Fprintf(w, "  %-5v %s\n", acct.Can(c.user, c.act), acct.Explain(c.user, c.act))
	}

	// 4. Changes go through a Store: each update is checked and all or nothing.
	store := account.NewStore(acct)
	fmt.Fprintln(w, "\nChanges (Store.Update)")
	next, err := store.Update(func(tx *account.Tx) error {
		return tx.AddMember("alice", "dan", permission.Billing)
	})
	if err != nil {
		return err
	}
	p, _ := next.Permissions("dan")
	fmt.Fprintf(w, "  alice adds dan with billing: ok, revision %d, dan holds %s\n", next.Revision(), p)

	_, err = store.Update(func(tx *account.Tx) error {
		return tx.SetPermissions("bob", "bob", permission.Admin)
	})
	if !errors.Is(err, account.ErrForbidden) {
		return fmt.Errorf("bob making himself admin: got %v, want a refusal", err)
	}
	fmt.Fprintf(w, "  bob makes himself admin: %v\n", err)
	p, _ = store.Load().Permissions("bob")
	fmt.Fprintf(w, "  nothing published: revision %d, bob holds %s\n", store.Load().Revision(), p)

	// 5. Migration: what happens to each organization at general availability.
	fmt.Fprintln(w, "\nMigration (migration.Classify)")
	admin := func(u string) account.TeamMember { return account.TeamMember{User: u, Role: account.RoleAdmin} }
	member := func(u string) account.TeamMember { return account.TeamMember{User: u, Role: account.RoleMember} }
	for _, org := range []migration.Organization{
		{Name: "beta-co", PublicBeta: true, Teams: []account.Team{
			{Name: "main", Licensed: true, Members: []account.TeamMember{admin("ann")}},
		}},
		{Name: "initech", Teams: []account.Team{ // one licensed team, peter admin of all
			{Name: "tps", Licensed: true, Members: []account.TeamMember{admin("peter"), member("milton")}},
			{Name: "ops", Members: []account.TeamMember{admin("peter")}},
		}},
		{Name: "globex", Teams: []account.Team{ // two licensed teams, no admin of both
			{Name: "east", Licensed: true, Members: []account.TeamMember{admin("gus")}},
			{Name: "west", Licensed: true, Members: []account.TeamMember{admin("hank"), member("gus")}},
		}},
	} {
		d, err := migration.Classify(org)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-8s %s\n", org.Name, d.Outcome)
		switch d.Outcome {
		case migration.Automatic:
			for _, m := range d.Account.Members {
				fmt.Fprintf(w, "    account %q: %s holds %s\n", d.Account.Name, m.User, m.Permissions)
			}
		case migration.Manual:
			for i, e := range d.Fixes() {
				fmt.Fprintf(w, "    %s: %s\n", d.Reasons[i], e)
			}
			fmt.Fprintf(w, "    contact-support banner for: %s\n", strings.Join(d.Banner, ", "))
		}
	}
	return nil
}
