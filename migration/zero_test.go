package migration_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

// TestZeroValues audits default deny: what the zero value of every type of
// the package yields. None of them grants anything, none is mistaken for a
// decision, and the ones that are not valid input are rejected.
func TestZeroValues(t *testing.T) {
	t.Run("Outcome", func(t *testing.T) {
		// The zero Outcome is no decision: not valid, printed as a number,
		// without a text or JSON form, and no text parses to it.
		var o migration.Outcome
		if o.Valid() || o.String() != "outcome(0)" {
			t.Errorf("zero Outcome: Valid() = %v, String() = %q; want false, outcome(0)", o.Valid(), o)
		}
		if _, err := o.MarshalText(); !errors.Is(err, account.ErrInvalid) {
			t.Errorf("zero Outcome MarshalText error = %v, want ErrInvalid", err)
		}
		if _, err := json.Marshal(o); !errors.Is(err, account.ErrInvalid) {
			t.Errorf("zero Outcome json.Marshal error = %v, want ErrInvalid", err)
		}
		for _, text := range []string{"", "outcome(0)", "0"} {
			if got, err := migration.ParseOutcome(text); !errors.Is(err, account.ErrInvalid) || got != 0 {
				t.Errorf("ParseOutcome(%q) = %v, %v; want 0 and ErrInvalid", text, got, err)
			}
		}
	})
	t.Run("Reason", func(t *testing.T) {
		// The zero Reason is no reason, likewise, and has no description.
		var r migration.Reason
		if r.Valid() || r.String() != "reason(0)" || r.Description() != "" {
			t.Errorf("zero Reason: Valid() = %v, String() = %q, Description() = %q", r.Valid(), r, r.Description())
		}
		if _, err := json.Marshal(r); !errors.Is(err, account.ErrInvalid) {
			t.Errorf("zero Reason json.Marshal error = %v, want ErrInvalid", err)
		}
		if got, err := migration.ParseReason(""); !errors.Is(err, account.ErrInvalid) || got != 0 {
			t.Errorf(`ParseReason("") = %v, %v; want 0 and ErrInvalid`, got, err)
		}
	})
	t.Run("Decision", func(t *testing.T) {
		// The zero Decision is no decision: no outcome, no account to
		// create, no one to show a banner to. It says so, and it has no
		// JSON form, so it cannot be stored or sent as if it were one.
		var d migration.Decision
		if d.Outcome.Valid() || d.Account != nil || d.Banner != nil || len(d.Fixes()) != 0 {
			t.Errorf("zero Decision = %+v, Fixes() = %q", d, d.Fixes())
		}
		if got, want := d.String(), "no decision (outcome(0))"; got != want {
			t.Errorf("zero Decision String() = %q, want %q", got, want)
		}
		if _, err := json.Marshal(d); !errors.Is(err, account.ErrInvalid) {
			t.Errorf("zero Decision json.Marshal error = %v, want ErrInvalid", err)
		}
		// Nor does the empty JSON object decode to it.
		err := json.Unmarshal([]byte(`{}`), &d)
		checkBad(t, err, "outcome", "missing")
	})
	t.Run("AdminOf", func(t *testing.T) {
		// The zero AdminOf names no user: it marshals, but does not decode
		// back, so a decoded Decision never holds one.
		data, err := json.Marshal(migration.AdminOf{})
		if err != nil || string(data) != `{"user":"","teams":null}` {
			t.Fatalf("json.Marshal(AdminOf{}) = %s, %v", data, err)
		}
		var a migration.AdminOf
		checkBad(t, json.Unmarshal(data, &a), "user", "empty user")
	})
	t.Run("Organization", func(t *testing.T) {
		// The zero Organization has no name, no teams and so no users. It
		// is well-formed (a new organization has no teams yet), and it is
		// Manual: with no team there is no main team to name an account
		// after and no admin of every team, so no account is created
		// automatically, and with no users no one sees a banner. That is
		// the safe answer: nothing is granted, and support decides.
		d, err := migration.Classify(migration.Organization{})
		if err != nil {
			t.Fatalf("Classify(Organization{}): %v", err)
		}
		want := migration.Decision{Outcome: migration.Manual, Reasons: []migration.Reason{migration.NoUniversalAdmin, migration.NoLicensedTeam}}
		if diff := cmp.Diff(want, d); diff != "" {
			t.Errorf("Classify(Organization{}) (-want +got):\n%s", diff)
		}
		// Its JSON form decodes back to it, and so does the empty object.
		data, err := json.Marshal(migration.Organization{})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []string{string(data), `{}`} {
			o := org(team("keep", true))
			if err := json.Unmarshal([]byte(in), &o); err != nil {
				t.Fatalf("Unmarshal(%s): %v", in, err)
			}
			if diff := cmp.Diff(migration.Organization{}, o); diff != "" {
				t.Errorf("Unmarshal(%s) (-want +got):\n%s", in, diff)
			}
		}
	})
	t.Run("Organization in the public beta", func(t *testing.T) {
		// Only the beta flag set: NoChange, which creates nothing either.
		d, err := migration.Classify(migration.Organization{PublicBeta: true})
		if err != nil || !cmp.Equal(d, migration.Decision{Outcome: migration.NoChange}) {
			t.Errorf("Classify(beta only) = %v, %v; want no-change", d, err)
		}
	})
	t.Run("zero team and zero team member", func(t *testing.T) {
		// A zero Team has no name and a zero TeamMember neither user nor
		// role: both are malformed, never a team or member with defaults.
		_, err := migration.Classify(migration.Organization{Teams: []account.Team{{}}})
		checkBad(t, err, "teams[0].name", "empty team name")
		_, err = migration.Classify(migration.Organization{Teams: []account.Team{{Name: "web", Members: []account.TeamMember{{}}}}})
		checkBad(t, err, "teams[0].members[0].user", "empty user")
		_, err = migration.Classify(migration.Organization{Teams: []account.Team{{Name: "web", Members: []account.TeamMember{{User: "ana"}}}}})
		checkBad(t, err, "teams[0].members[0].role", "role(0) is not a team role")
	})
	t.Run("teams without members or admins grant nothing", func(t *testing.T) {
		// One licensed team and no one in it: no admin of every team, so
		// Manual, and no banner.
		d, err := migration.Classify(org(team("web", true)))
		want := migration.Decision{Outcome: migration.Manual, Reasons: []migration.Reason{migration.NoUniversalAdmin},
			LicensedTeams: []string{"web"}, TeamsWithoutAdmin: []string{"web"}}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, d); diff != "" {
			t.Errorf("Classify(one empty licensed team) (-want +got):\n%s", diff)
		}
	})
}
