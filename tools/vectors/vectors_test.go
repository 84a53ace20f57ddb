package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

const dir = "../../testdata/vectors"

// TestFilesUpToDate fails when the files under testdata/vectors differ from
// what the code generates now. Fix it with: go generate ./...
func TestFilesUpToDate(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		got, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Errorf("%v; run go generate ./...", err)
			continue
		}
		if diff := cmp.Diff(string(f.Data), string(got)); diff != "" {
			t.Errorf("%s is stale; run go generate ./... (-want +got):\n%s", f.Name, diff)
		}
	}
	if want := []string{"accounts.json", "classify.json", "table.json"}; !slices.Equal(names, want) {
		t.Errorf("files %q, want %q", names, want)
	}
}

func TestDeterministic(t *testing.T) {
	a, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between two runs", a[i].Name)
		}
	}
}

// The tests below read the files as another language would, with plain
// types and only the documented format, and check every expectation in
// them against the library.

// decode reads a vectors file strictly into v.
func decode(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestTableVectors(t *testing.T) {
	var file struct {
		Format      string
		Permissions []struct {
			Name string
			Bit  int
		}
		Actions []struct {
			Name      string
			Value     int
			AllowedBy []string `json:"allowed_by"`
		}
		Grid []struct {
			Set         int
			Permissions []string
			Allowed     []bool
		}
	}
	decode(t, "table.json", &file)
	if file.Format != Format {
		t.Errorf("format %q, want %q", file.Format, Format)
	}
	bits := map[string]int{}
	for i, p := range file.Permissions {
		s, err := permission.ParseSet(p.Name)
		if err != nil || int(s) != p.Bit || s != permission.Permissions()[i] {
			t.Errorf("permission %q bit %d: ParseSet = %v, %v", p.Name, p.Bit, s, err)
		}
		bits[p.Name] = p.Bit
	}
	if len(file.Actions) != 7 {
		t.Errorf("%d actions, want 7", len(file.Actions))
	}
	for i, a := range file.Actions {
		act, err := permission.ParseAction(a.Name)
		if err != nil || int(act) != a.Value || a.Value != i+1 {
			t.Errorf("action %q value %d: ParseAction = %v, %v", a.Name, a.Value, act, err)
		}
		if by := setOf(t, bits, a.AllowedBy); by != act.AllowedBy() {
			t.Errorf("%s allowed by %q, want {%s}", a.Name, a.AllowedBy, act.AllowedBy())
		}
	}
	if len(file.Grid) != 16 {
		t.Errorf("%d grid rows, want 16", len(file.Grid))
	}
	for i, row := range file.Grid {
		s := setOf(t, bits, row.Permissions)
		if row.Set != i || int(s) != row.Set {
			t.Errorf("grid row %d: set %d, permissions %q", i, row.Set, row.Permissions)
		}
		if len(row.Allowed) != MaxAction+1 {
			t.Fatalf("set %d: %d answers, want %d", row.Set, len(row.Allowed), MaxAction+1)
		}
		for a, want := range row.Allowed {
			if got := permission.Allows(s, permission.Action(a)); got != want {
				t.Errorf("set {%s}, action %d: file says %t, Allows says %t", s, a, want, got)
			}
		}
	}
}

// setOf adds up the bits of names, failing on an unknown one.
func setOf(t *testing.T, bits map[string]int, names []string) permission.Set {
	t.Helper()
	var s permission.Set
	for _, n := range names {
		b, ok := bits[n]
		if !ok {
			t.Errorf("unknown permission %q", n)
		}
		s |= permission.Set(b)
	}
	return s
}

func TestAccountVectors(t *testing.T) {
	var file struct {
		Format   string
		Accounts []struct {
			Name string
			Spec json.RawMessage
			Can  []struct {
				User    string
				Member  bool
				Allowed []bool
			}
			CanViewTeam []struct {
				User    string
				Team    string
				Allowed bool
			} `json:"can_view_team"`
		}
	}
	decode(t, "accounts.json", &file)
	if file.Format != Format || len(file.Accounts) < 5 {
		t.Errorf("format %q with %d accounts", file.Format, len(file.Accounts))
	}
	for _, acct := range file.Accounts {
		t.Run(acct.Name, func(t *testing.T) {
			a, err := account.ParseJSON(acct.Spec)
			if err != nil {
				t.Fatal(err)
			}
			// Every member is listed, and some users who are not.
			var listed, others []string
			for _, c := range acct.Can {
				if len(c.Allowed) != MaxAction+1 {
					t.Fatalf("user %q: %d answers", c.User, len(c.Allowed))
				}
				if c.Member != a.IsMember(c.User) {
					t.Errorf("user %q: member %t, want %t", c.User, c.Member, !c.Member)
				}
				for v, want := range c.Allowed {
					if got := a.Can(c.User, permission.Action(v)); got != want {
						t.Errorf("Can(%q, %d): file says %t, Can says %t", c.User, v, want, got)
					}
				}
				if c.Member {
					listed = append(listed, c.User)
				} else {
					others = append(others, c.User)
				}
			}
			var members []string
			for u := range a.Members() {
				members = append(members, u)
			}
			if !slices.Equal(listed, members) || !slices.Contains(others, "") || !slices.Contains(others, "nobody") {
				t.Errorf("members listed %q, want %q; others %q should include \"\" and \"nobody\"", listed, members, others)
			}
			views := 0
			for _, v := range acct.CanViewTeam {
				if got := a.CanViewTeam(v.User, v.Team); got != v.Allowed {
					t.Errorf("CanViewTeam(%q, %q): file says %t, CanViewTeam says %t", v.User, v.Team, v.Allowed, got)
				}
				if v.Allowed {
					views++
				}
			}
			if a.NumTeams() > 0 && views == 0 {
				t.Errorf("no user views any team")
			}
		})
	}
}

func TestClassifyVectors(t *testing.T) {
	var file struct {
		Format string
		Cases  []struct {
			Name         string
			Organization json.RawMessage
			Decision     json.RawMessage
			Error        *struct{ Path string }
		}
	}
	decode(t, "classify.json", &file)
	if file.Format != Format {
		t.Errorf("format %q", file.Format)
	}
	seen := map[string]int{}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if (c.Decision == nil) == (c.Error == nil) {
				t.Fatalf("want exactly one of decision and error")
			}
			var org migration.Organization
			err := json.Unmarshal(c.Organization, &org)
			var got migration.Decision
			if err == nil {
				got, err = migration.Classify(org)
			}
			if c.Error != nil {
				var pe *account.PathError
				if !errors.As(err, &pe) || pe.Path != c.Error.Path {
					t.Fatalf("error %v, want one naming %q", err, c.Error.Path)
				}
				seen["error"]++
				return
			}
			if err != nil {
				t.Fatalf("error %v, want decision %s", err, c.Decision)
			}
			var want migration.Decision
			if err := json.Unmarshal(c.Decision, &want); err != nil {
				t.Fatalf("decision %s: %v", c.Decision, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decision (-file +Classify):\n%s", diff)
			}
			seen[fmt.Sprint(got.Outcome, got.Reasons)]++
		})
	}
	for _, k := range []string{"error", "no-change []", "automatic []", "manual [multiple-licensed-teams]", "manual [no-universal-admin]",
		"manual [no-licensed-team]", "manual [multiple-licensed-teams no-universal-admin]", "manual [no-universal-admin no-licensed-team]"} {
		if seen[k] < 2 {
			t.Errorf("%s: %d cases, want at least 2", k, seen[k])
		}
	}
}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name, org, path, err string
	}{
		{"well-formed", `{"name":"x","teams":[]}`, "", ""},
		{"classify error", `{"teams":[{"name":""}]}`, "teams[0].name", ""},
		{"decode error", `{"teams":[{"name":"a","members":[{"user":"u","role":"boss"}]}]}`, "teams[0].members[0].role", ""},
		{"not JSON", `{`, "", "an error without a path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, path, err := Decide([]byte(tc.org))
			if path != tc.path || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Decide = %q, %v; want %q, %q", path, err, tc.path, tc.err)
			}
		})
	}
}
