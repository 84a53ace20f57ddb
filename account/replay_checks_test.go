package account_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
)

// TestReplayChecksNewTeamUser: a team role given to a user who holds none
// in the team checks the user's name, as SetTeamRole does; a collaborator
// need not be an account member, so only the name check stops it.
func TestReplayChecksNewTeamUser(t *testing.T) {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{" carl", "carl ", "ca\nrl", ""} {
		e := account.Event{Revision: 1, Actor: "alice", Op: account.OpSetTeamRole, Team: "web", User: user, After: "collaborator"}
		if _, err := a.Replay([]account.Event{e}); !errors.Is(err, account.ErrMismatch) {
			t.Errorf("Replay of a collaborator role for %q: %v, want ErrMismatch", user, err)
		}
	}
}

// TestReplayMismatchSaysWhatIsHeld: an event whose Before is not what the
// member holds is an error quoting what they hold.
func TestReplayMismatchSaysWhatIsHeld(t *testing.T) {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	e := account.Event{Revision: 1, Actor: "alice", Op: account.OpSetPermissions, User: "bob", Before: "view", After: "view,billing"}
	_, err = a.Replay([]account.Event{e})
	if !errors.Is(err, account.ErrMismatch) || !strings.Contains(err.Error(), `user "bob" holds "view,billing", the event says "view"`) {
		t.Errorf("Replay: %v; want ErrMismatch saying bob holds view,billing", err)
	}
}
