package migration_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

func member(user string, p permission.Set) account.Member {
	return account.Member{User: user, Permissions: p}
}

func org(teams ...account.Team) migration.Organization {
	return migration.Organization{Name: "acme", Teams: teams}
}

// TestDocumentation has one case per sentence of the Enterprise Accounts
// documentation ("Enterprise Accounts for Existing Enterprise Teams
// Users"), and one per rule this library adds, named after it.
func TestDocumentation(t *testing.T) {
	tests := []struct {
		name  string
		org   migration.Organization
		want  migration.Decision
		check func(*testing.T, migration.Organization, migration.Decision) // more, where the sentence needs it
	}{
		{
			name: "For companies who participated in the Enterprise Accounts public beta, the general availability of Enterprise Accounts does not introduce any differences and no action is required",
			org: migration.Organization{Name: "beta-co", PublicBeta: true, Teams: []account.Team{
				team("web", true, "ana", "member"),
				team("api", true, "bo", "admin"),
			}},
			want: migration.Decision{Outcome: migration.NoChange},
		},
		{
			name: "Companies who did not join the Enterprise Accounts public beta will now have a new Enterprise Account, with all of their Enterprise Teams listed under the new Enterprise Account",
			org: org(
				team("web", true, "bo", "member", "ana", "admin"),
				team("ops", false, "ana", "admin", "cy", "viewer"),
				team("docs", false, "ana", "admin"),
			),
			want: migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
				Name:    "web",
				Members: []account.Member{member("ana", permission.Admin), member("bo", permission.View), member("cy", permission.View)},
				Teams: []account.Team{
					team("docs", false, "ana", "admin"),
					team("ops", false, "ana", "admin", "cy", "viewer"),
					team("web", true, "ana", "admin", "bo", "member"),
				},
			}},
		},
		{
			name: "To see the new Enterprise Team, users look for the new item that has the same name as their main Enterprise Team",
			org: org(
				team("alpha", false, "ana", "admin"),
				team("main", true, "ana", "admin"),
				team("zeta", false, "ana", "admin"),
			),
			want: migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
				Name:    "main",
				Members: []account.Member{member("ana", permission.Admin)},
				Teams: []account.Team{
					team("alpha", false, "ana", "admin"),
					team("main", true, "ana", "admin"),
					team("zeta", false, "ana", "admin"),
				},
			}},
		},
		{
			name: "Users who have admin access across all the Enterprise Teams of the company are assigned the admin role of the Enterprise Account, which includes all the four permissions of View, Billing, Manage, Create",
			org: org(
				team("web", true, "ana", "admin", "bo", "admin"),
				team("ops", false, "bo", "admin", "ana", "admin"),
			),
			want: migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
				Name:    "web",
				Members: []account.Member{member("ana", permission.Admin), member("bo", permission.Admin)},
				Teams: []account.Team{
					team("ops", false, "ana", "admin", "bo", "admin"),
					team("web", true, "ana", "admin", "bo", "admin"),
				},
			}},
		},
		{
			name: "All other users are assigned the most limited basic permission of View",
			org: org(
				// bo is admin of one team but not the other; cy a member, di a viewer.
				team("web", true, "ana", "admin", "bo", "admin", "cy", "member"),
				team("ops", false, "ana", "admin", "bo", "viewer", "di", "viewer"),
			),
			want: migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
				Name: "web",
				Members: []account.Member{
					member("ana", permission.Admin), member("bo", permission.View),
					member("cy", permission.View), member("di", permission.View),
				},
				Teams: []account.Team{
					team("ops", false, "ana", "admin", "bo", "viewer", "di", "viewer"),
					team("web", true, "ana", "admin", "bo", "admin", "cy", "member"),
				},
			}},
		},
		{
			name: "Users with admin access on all Enterprise Teams of a company are selected as the original admins of the Enterprise Account, and they won't gain access to information that they previously did not have access to beforehand",
			org: org(
				team("web", true, "ana", "admin", "bo", "member"),
				team("ops", false, "ana", "admin", "cy", "collaborator"),
				team("data", false, "ana", "admin", "bo", "collaborator", "di", "viewer"),
			),
			want: migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
				Name:    "web",
				Members: []account.Member{member("ana", permission.Admin), member("bo", permission.View), member("di", permission.View)},
				Teams: []account.Team{
					team("data", false, "ana", "admin", "bo", "collaborator", "di", "viewer"),
					team("ops", false, "ana", "admin", "cy", "collaborator"),
					team("web", true, "ana", "admin", "bo", "member"),
				},
			}},
			check: func(t *testing.T, o migration.Organization, d migration.Decision) {
				acct, err := account.New(*d.Account)
				if err != nil {
					t.Fatalf("account.New(plan): %v", err)
				}
				for user, want := range map[string][]string{
					"ana": {"data", "ops", "web"},
					"bo":  {"web"}, // a collaborator in data before, so not shown data now
					"cy":  nil,     // collaborator only: not a member at all
					"di":  {"data"},
				} {
					if diff := cmp.Diff(want, acct.TeamsOf(user)); diff != "" {
						t.Errorf("teams %q can view after the move (-want +got):\n%s", user, diff)
					}
				}
			},
		},
		{
			name: "There are some organizations that we could not create Enterprise Accounts for automatically, due to having more than one Enterprise Team with licenses",
			org: org(
				team("web", true, "ana", "admin", "bo", "member"),
				team("api", true, "ana", "admin"),
				team("ops", false, "ana", "admin"),
			),
			want: migration.Decision{
				Outcome:       migration.Manual,
				Reasons:       []migration.Reason{migration.MultipleLicensedTeams},
				Banner:        []string{"ana", "bo"},
				LicensedTeams: []string{"api", "web"},
			},
		},
		{
			name: "There are some organizations that we could not create Enterprise Accounts for automatically, due to having no users that have the admin permission for every single Enterprise Team in the organization",
			org: org(
				team("web", true, "ana", "admin", "bo", "admin"),
				team("ops", false, "bo", "member", "ana", "admin"),
				team("api", false, "bo", "admin", "cy", "viewer"),
				team("docs", false, "cy", "member"),
			),
			want: migration.Decision{
				Outcome:           migration.Manual,
				Reasons:           []migration.Reason{migration.NoUniversalAdmin},
				Banner:            []string{"ana", "bo", "cy"},
				LicensedTeams:     []string{"web"},
				Admins:            []migration.AdminOf{{User: "ana", Teams: []string{"ops", "web"}}, {User: "bo", Teams: []string{"api", "web"}}},
				TeamsWithoutAdmin: []string{"docs"},
			},
		},
		{
			name: "In these cases you can contact Heroku to resolve any issues, as indicated by the banner shown in the Heroku Dashboard",
			org: org(
				team("web", true, "ana", "admin", "bo", "viewer"),
				team("api", true, "bo", "admin", "ana", "member"),
			),
			want: migration.Decision{
				Outcome:       migration.Manual,
				Reasons:       []migration.Reason{migration.MultipleLicensedTeams, migration.NoUniversalAdmin},
				Banner:        []string{"ana", "bo"},
				LicensedTeams: []string{"api", "web"},
				Admins:        []migration.AdminOf{{User: "ana", Teams: []string{"web"}}, {User: "bo", Teams: []string{"api"}}},
			},
		},
		{
			name: "Users who only have the collaborator permission and are not members of a company's Enterprise Account won't see the banner",
			org: org(
				team("web", true, "ana", "admin", "cy", "collaborator"),
				team("api", true, "ana", "admin", "cy", "collaborator", "zed", "collaborator"),
			),
			want: migration.Decision{
				Outcome:       migration.Manual,
				Reasons:       []migration.Reason{migration.MultipleLicensedTeams},
				Banner:        []string{"ana"},
				LicensedTeams: []string{"api", "web"},
			},
		},
		{
			name: "It is only displayed for the official members of an organization who exist in the Enterprise Account",
			org: org(
				// cy is a collaborator in web but a viewer in ops: a member, so cy sees it.
				team("web", true, "ana", "admin", "cy", "collaborator", "di", "member"),
				team("ops", false, "cy", "viewer", "bo", "admin"),
			),
			want: migration.Decision{
				Outcome:       migration.Manual,
				Reasons:       []migration.Reason{migration.NoUniversalAdmin},
				Banner:        []string{"ana", "bo", "cy", "di"},
				LicensedTeams: []string{"web"},
				Admins:        []migration.AdminOf{{User: "ana", Teams: []string{"web"}}, {User: "bo", Teams: []string{"ops"}}},
			},
		},
		{
			name: "Our own rule: with no licensed team there is no main team to name the account after",
			org: org(
				team("web", false, "ana", "admin", "bo", "member"),
				team("ops", false, "ana", "admin"),
			),
			want: migration.Decision{
				Outcome: migration.Manual,
				Reasons: []migration.Reason{migration.NoLicensedTeam},
				Banner:  []string{"ana", "bo"},
			},
		},
		{
			name: "Our own rule: an organization without teams has no users, so no universal admin and no licensed team",
			org:  org(),
			want: migration.Decision{
				Outcome: migration.Manual,
				Reasons: []migration.Reason{migration.NoUniversalAdmin, migration.NoLicensedTeam},
			},
		},
		{
			name: "Every reason at once: several licensed teams, one without an admin, and no universal admin",
			org: org(
				team("web", true, "ana", "admin"),
				team("api", true, "bo", "viewer"),
			),
			want: migration.Decision{
				Outcome:           migration.Manual,
				Reasons:           []migration.Reason{migration.MultipleLicensedTeams, migration.NoUniversalAdmin},
				Banner:            []string{"ana", "bo"},
				LicensedTeams:     []string{"api", "web"},
				Admins:            []migration.AdminOf{{User: "ana", Teams: []string{"web"}}},
				TeamsWithoutAdmin: []string{"api"},
			},
		},
		{
			name: "A collaborator is not an admin, member or viewer of the team, so collaborator-only users do not become members",
			org: org(
				team("web", true, "ana", "admin", "cy", "collaborator"),
				team("ops", false, "ana", "admin", "cy", "collaborator"),
			),
			want: migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
				Name:    "web",
				Members: []account.Member{member("ana", permission.Admin)},
				Teams: []account.Team{
					team("ops", false, "ana", "admin", "cy", "collaborator"),
					team("web", true, "ana", "admin", "cy", "collaborator"),
				},
			}},
		},
		{
			name: "A team with no members is carried over like any other, but no one is admin of it",
			org: org(
				team("web", true, "ana", "admin"),
				team("empty", false),
			),
			want: migration.Decision{
				Outcome:           migration.Manual,
				Reasons:           []migration.Reason{migration.NoUniversalAdmin},
				Banner:            []string{"ana"},
				LicensedTeams:     []string{"web"},
				Admins:            []migration.AdminOf{{User: "ana", Teams: []string{"web"}}},
				TeamsWithoutAdmin: []string{"empty"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := migration.Classify(tt.org)
			if err != nil {
				t.Fatalf("Classify: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Classify (-want +got):\n%s", diff)
			}
			if got.Account != nil {
				if _, err := account.New(*got.Account); err != nil {
					t.Errorf("account.New(plan): %v", err)
				}
			}
			// Order never matters: reversed teams and rosters decide the same.
			rev := tt.org.Clone()
			slices.Reverse(rev.Teams)
			for i := range rev.Teams {
				slices.Reverse(rev.Teams[i].Members)
			}
			again, err := migration.Classify(rev)
			if err != nil {
				t.Fatalf("Classify(reversed): %v", err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("Classify(reversed) (-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, tt.org, got)
			}
		})
	}
}
