package account_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
)

// TestLongJSONStringsAreShortenedInErrors checks that an error quoting a
// bad JSON string shows its start, escaped, and cuts the rest.
func TestLongJSONStringsAreShortenedInErrors(t *testing.T) {
	long := strings.Repeat("x", 100) + "\xff"
	_, err := account.ParseJSON([]byte(`{"name":"` + long + `"}`))
	if err == nil || !strings.Contains(err.Error(), `"`+strings.Repeat("x", 64)+`"…: not valid UTF-8`) {
		t.Errorf("error %v: want the first 64 bytes quoted", err)
	}
	_, err = account.ParseJSON([]byte(`{"name":"` + strings.Repeat("x", 63) + "\xff" + `"}`))
	if err == nil || !strings.Contains(err.Error(), `"`+strings.Repeat("x", 63)+`\xff": not valid UTF-8`) {
		t.Errorf("error %v: want all 64 bytes quoted", err)
	}
}

// TestCloneIsDeep changes every part of clones of a Spec and a Team: the
// originals keep their values, and nil and empty slices keep their form.
func TestCloneIsDeep(t *testing.T) {
	orig := exampleSpec()
	orig.Teams = append(orig.Teams, account.Team{Name: "empty", Members: []account.TeamMember{}}, account.Team{Name: "nil"})
	want := exampleSpec()
	want.Teams = append(want.Teams, account.Team{Name: "empty", Members: []account.TeamMember{}}, account.Team{Name: "nil"})

	c := orig.Clone()
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Fatalf("Clone differs (-orig +clone):\n%s", diff)
	}
	if c.Teams[2].Members == nil || c.Teams[3].Members != nil {
		t.Errorf("Clone changed an empty or nil member list: %#v, %#v", c.Teams[2].Members, c.Teams[3].Members)
	}
	c.Name = "x"
	c.Members[0].User = "x"
	c.Teams[0].Name = "x"
	c.Teams[0].Members[0].Role = account.RoleCollaborator
	tc := orig.Teams[1].Clone()
	tc.Members[0].User = "x"
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("changing clones changed the original (-want +got):\n%s", diff)
	}
	if (account.Spec{}).Clone().Members != nil || (account.Spec{Members: []account.Member{}}).Clone().Members == nil {
		t.Error("Spec.Clone changed a nil or empty member list")
	}
}
