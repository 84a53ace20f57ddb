package heroku_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration/heroku"
	"github.com/entaccess/entaccess/permission"
)

// FuzzAccountSpec: for any documents, AccountSpec either refuses them with
// an error naming an entry, or returns a valid account that holds exactly
// the documents' members and teams, mapped by the rules.
func FuzzAccountSpec(f *testing.F) {
	seed, err := json.Marshal(base())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, false)
	f.Add([]byte(strings.ReplaceAll(string(seed), `"owner"`, `"viewer"`)), false)
	f.Add([]byte(strings.ReplaceAll(string(seed), `"manage"`, `"billing"`)), true)
	f.Fuzz(func(t *testing.T, data []byte, byID bool) {
		var d heroku.AccountData
		if json.Unmarshal(data, &d) != nil {
			return
		}
		spec, err := heroku.AccountSpec(d, heroku.Options{ByID: byID})
		if err != nil {
			var pe *heroku.PathError
			var ape *account.PathError
			if !errors.As(err, &pe) && !errors.As(err, &ape) {
				t.Fatalf("an error that names no entry: %v", err)
			}
			return
		}
		if _, err := account.New(spec); err != nil {
			t.Fatalf("an invalid account accepted: %v", err)
		}
		if spec.Name != d.Account.Name || len(spec.Members) != len(d.Members) || len(spec.Teams) != len(d.Teams) {
			t.Fatalf("members or teams lost or added: %v from %+v", spec, d)
		}
		for i, m := range d.Members {
			want := permission.View
			for _, p := range m.Permissions {
				s, err := permission.ParseSet(p.Name)
				if err != nil {
					t.Fatalf("members[%d]: permission %q accepted", i, p.Name)
				}
				want |= s
			}
			if spec.Members[i].Permissions != want {
				t.Fatalf("members[%d]: %v, want %v", i, spec.Members[i].Permissions, want)
			}
		}
		for i, td := range d.Teams {
			if spec.Teams[i].Name != td.Team.Name || spec.Teams[i].Licensed != td.Team.ProvisionedLicenses || len(spec.Teams[i].Members) != len(td.Members) {
				t.Fatalf("teams[%d]: %v from %+v", i, spec.Teams[i], td)
			}
			for j, m := range td.Members {
				want := map[string]account.Role{"owner": account.RoleAdmin, "admin": account.RoleAdmin, "member": account.RoleMember, "collaborator": account.RoleCollaborator}[*m.Role]
				if got := spec.Teams[i].Members[j].Role; got != want {
					t.Fatalf("teams[%d].members[%d]: role %q became %v", i, j, *m.Role, got)
				}
			}
		}
	})
}
