package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/heroku"
	"github.com/entaccess/entaccess/migration/heroku/herokutest"
)

var update = flag.Bool("update", false, "rewrite testdata/plan.golden")

func env(token string) func(string) string {
	return func(k string) string {
		if k == heroku.TokenEnv {
			return token
		}
		return ""
	}
}

// The recorded API's account "acme" is imported, kept, and the plan for
// its organizations printed.
func TestImport(t *testing.T) {
	s := herokutest.NewServer()
	defer s.Close()
	dir := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-api", s.URL, "-org", "globex", "-out", dir, "acme"}, env(herokutest.Token), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	const golden = "testdata/plan.golden"
	if *update {
		if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), stdout.String()); diff != "" {
		t.Errorf("plan differs from %s (-want +got):\n%s", golden, diff)
	}
	// Each line is an organization's name and a Decision in its JSON form.
	for line := range strings.Lines(stdout.String()) {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatal(err)
		}
		delete(fields, "organization")
		b, _ := json.Marshal(fields)
		var d migration.Decision
		if err := json.Unmarshal(b, &d); err != nil || d.Outcome == 0 {
			t.Errorf("line %q: not a decision: %v", line, err)
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, "account.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := account.ParseJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := j.Store().Load(); !cmp.Equal(a.Spec(), got.Spec()) || got.NumMembers() != 5 {
		t.Errorf("journal holds %v, account.json %v", got.Spec(), a.Spec())
	}
	if p := a.Spec().IdentityProvider; p == nil || p.EntityID != "https://sso.acme.example/saml/metadata" {
		t.Errorf("imported identity provider %+v, want the recorded one", p)
	}
	// A second run into the same directory overwrites nothing.
	if code := run(context.Background(), []string{"-api", s.URL, "-out", dir, "acme"}, env(herokutest.Token), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "exists") {
		t.Errorf("second run: exit %d, %s", code, stderr.String())
	}
}

func TestImportFails(t *testing.T) {
	s := herokutest.NewServer()
	defer s.Close()
	for _, c := range []struct {
		name  string
		args  []string
		token string
		code  int
		says  string
	}{
		{"no token", []string{"-api", s.URL, "-out", "x", "acme"}, "", 2, "HEROKU_API_KEY"},
		{"no account", []string{"-api", s.URL, "-out", "x"}, herokutest.Token, 2, "usage"},
		{"no out", []string{"-api", s.URL, "acme"}, herokutest.Token, 2, "usage"},
		{"bad token", []string{"-api", s.URL, "-out", "x", "acme"}, "wrong", 1, "401"},
		{"missing account", []string{"-api", s.URL, "-out", "x", "initech"}, herokutest.Token, 1, "not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := slicesReplace(c.args, "x", filepath.Join(dir, "out"))
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), args, env(c.token), &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.says) {
				t.Errorf("exit %d, %q; want %d saying %q", code, stderr.String(), c.code, c.says)
			}
			if _, err := os.Stat(filepath.Join(dir, "out")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a failed import wrote %s", filepath.Join(dir, "out"))
			}
		})
	}
}

func slicesReplace(s []string, from, to string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		if v == from {
			v = to
		}
		out[i] = v
	}
	return out
}
