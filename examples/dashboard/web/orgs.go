package web

import (
	"fmt"
	"slices"

	"github.com/entaccess/entaccess/migration"
)

// A classified organization: what Classify decided, and who is in it.
type org struct {
	name     string
	decision migration.Decision
	users    map[string]bool // every user with a role in some team, collaborators included
}

func classify(orgs []migration.Organization) ([]org, error) {
	out := make([]org, 0, len(orgs))
	for i, o := range orgs {
		d, err := migration.Classify(o)
		if err != nil {
			return nil, fmt.Errorf("organizations[%d]: %w", i, err)
		}
		users := make(map[string]bool)
		for _, t := range o.Teams {
			for _, m := range t.Members {
				users[m.User] = true
			}
		}
		out = append(out, org{name: o.Name, decision: d, users: users})
	}
	return out, nil
}

// A menuItem is an account in the main menu.
type menuItem struct {
	Name string
	Href string
	New  bool // created by the move to Enterprise Accounts: shown with a square icon
}

// A banner asks the official members of an organization that support must
// move by hand to contact support.
type banner struct {
	Org     string
	Reasons []string
}

// An orgStatus is what one organization's move means for the signed-in user.
type orgStatus struct {
	ID      string // the element id on the migration page
	Name    string
	Outcome string
	Sees    string   // what the user sees, in one sentence
	Reasons []string // for a banner
}

// newAccounts returns the accounts created automatically that user is a
// member of, as menu items.
func newAccounts(orgs []org, user string) []menuItem {
	var items []menuItem
	for i, o := range orgs {
		if planned(o.decision, user) {
			items = append(items, menuItem{Name: o.decision.Account.Name, Href: fmt.Sprintf("/migration#org-%d", i), New: true})
		}
	}
	return items
}

// banners returns the contact-support banners shown to user: one for each
// organization moved by hand in which user is an official member.
func banners(orgs []org, user string) []banner {
	var out []banner
	for _, o := range orgs {
		if o.decision.Outcome == migration.Manual && slices.Contains(o.decision.Banner, user) {
			out = append(out, banner{Org: o.name, Reasons: o.decision.Fixes()})
		}
	}
	return out
}

func planned(d migration.Decision, user string) bool {
	if d.Outcome != migration.Automatic || d.Account == nil {
		return false
	}
	for _, m := range d.Account.Members {
		if m.User == user {
			return true
		}
	}
	return false
}

// statuses returns, for each organization user has a role in, what its move
// means for them.
func statuses(orgs []org, user string) []orgStatus {
	var out []orgStatus
	for i, o := range orgs {
		if !o.users[user] {
			continue
		}
		s := orgStatus{ID: fmt.Sprintf("org-%d", i), Name: o.name, Outcome: o.decision.Outcome.String()}
		switch o.decision.Outcome {
		case migration.NoChange:
			s.Sees = "Nothing new: this organization already has its Enterprise Account from the public beta."
		case migration.Automatic:
			if planned(o.decision, user) {
				s.Sees = fmt.Sprintf("A new item in the main menu, with a square icon, named %q after the main team.", o.decision.Account.Name)
			} else {
				s.Sees = "Nothing new: you are only a collaborator, not a member of the new Enterprise Account."
			}
		case migration.Manual:
			if slices.Contains(o.decision.Banner, user) {
				s.Sees = "A banner asking you to contact support, who will set up the Enterprise Account by hand."
				s.Reasons = o.decision.Fixes()
			} else {
				s.Sees = "Nothing: you are only a collaborator, so you see no banner."
			}
		}
		out = append(out, s)
	}
	return out
}
