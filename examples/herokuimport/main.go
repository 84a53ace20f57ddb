// Command herokuimport reads an Enterprise Account from Heroku's Platform
// API, keeps it as entaccess data, and prints the migration plan for the
// organizations it reads, as classify does.
//
// Usage:
//
//	HEROKU_API_KEY=... herokuimport [-by-id] [-without-sso] [-org NAME] [-api URL] -out DIR ACCOUNT
//
// ACCOUNT is the Enterprise Account's name or id. herokuimport reads it,
// its members, its teams and each team's members, maps them with package
// migration/heroku (see its docs for every rule) and writes:
//
//   - DIR/account.json: the account, in the JSON form account.ParseJSON reads;
//   - DIR/journal: a journal (package account/journal) holding the account,
//     ready for journal.Open.
//
// DIR is made if missing; herokuimport never overwrites either file.
//
// It then reads every team the token's user belongs to and prints one line
// of JSON per organization, an "organization" name followed by the
// classifier's decision, as classify does:
//
//	{"organization":"acme","outcome":"no-change"}
//	{"organization":"teams outside any account","outcome":"automatic","account":{...}}
//
// The account's own teams form an organization that already has its
// account (no change). The Enterprise Teams outside any account form a
// second one, named by -org, whose move the classifier plans. Teams of
// other accounts and plain teams (type "team") are left out. A one-line
// summary of each decision goes to standard error.
//
// -by-id identifies users by their Heroku user id instead of their email
// address. -api points at another address of the API, such as a test
// server.
//
// Exit status: 0 on success, 1 when the import fails (the message names
// the entry that could not be mapped), 2 for a usage error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/heroku"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("herokuimport", flag.ContinueOnError)
	fl.SetOutput(stderr)
	byID := fl.Bool("by-id", false, "identify users by Heroku user id instead of email address")
	noSSO := fl.Bool("without-sso", false, "import an account whose identity provider cannot be read without single sign-on settings")
	org := fl.String("org", "teams outside any account", "the name of the organization of the Enterprise Teams outside any account")
	api := fl.String("api", heroku.DefaultURL, "the Platform API's address")
	out := fl.String("out", "", "the directory to write account.json and journal/ in (required)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: HEROKU_API_KEY=... herokuimport [-by-id] [-without-sso] [-org NAME] [-api URL] -out DIR ACCOUNT")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() != 1 || *out == "" {
		fl.Usage()
		return 2
	}
	token := getenv(heroku.TokenEnv)
	if token == "" {
		fmt.Fprintf(stderr, "herokuimport: $%s is not set: an API token is needed (heroku authorizations:create)\n", heroku.TokenEnv)
		return 2
	}
	c := &heroku.Client{URL: *api, Token: token}
	if err := importAccount(ctx, c, fl.Arg(0), *org, *out, heroku.Options{ByID: *byID, WithoutIdentityProvider: *noSSO}, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "herokuimport: %v\n", err)
		return 1
	}
	return 0
}

func importAccount(ctx context.Context, c *heroku.Client, name, orgName, dir string, opt heroku.Options, stdout, stderr io.Writer) error {
	data, err := c.Account(ctx, name)
	if err != nil {
		return err
	}
	spec, err := heroku.AccountSpec(data, opt)
	if err != nil {
		return err
	}
	a, err := account.New(spec)
	if err != nil {
		return err
	}
	// Read everything before writing anything.
	teams, err := c.Teams(ctx)
	if err != nil {
		return err
	}
	var outside []heroku.TeamData
	for _, t := range teams {
		if t.Team.EnterpriseAccount == nil && t.Team.Type == "enterprise" {
			outside = append(outside, t)
		}
	}
	orgs := []migration.Organization{}
	own, err := heroku.Organization(data.Account.Name, data.Teams, opt)
	if err != nil {
		return err
	}
	orgs = append(orgs, own)
	if len(outside) > 0 {
		o, err := heroku.Organization(orgName, outside, opt)
		if err != nil {
			return err
		}
		orgs = append(orgs, o)
	}
	decisions := make([]migration.Decision, len(orgs))
	for i, o := range orgs {
		if decisions[i], err = migration.Classify(o); err != nil {
			return err
		}
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, "account.json"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(js, '\n'))
	if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
		return err
	}
	j, err := journal.Create(filepath.Join(dir, "journal"), a)
	if err != nil {
		return err
	}
	if err := j.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "herokuimport: account %q: %d members, %d teams, written to %s\n", a.Name(), len(spec.Members), len(spec.Teams), dir)

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for i, d := range decisions {
		// {"organization": name, ...the decision's own JSON fields...}
		line := struct {
			Organization string `json:"organization"`
			migration.Decision
		}{orgs[i].Name, d}
		if err := enc.Encode(line); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "herokuimport: %s: %s\n", orgs[i].Name, d)
	}
	return nil
}
