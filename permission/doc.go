// Package permission is the Enterprise Account permission table: four
// permissions, seven actions, and which permission allows which action.
//
// A member of an Enterprise Account holds a [Set] of permissions drawn from
// [View], [Billing], [Manage] and [Create]; [Admin] is all four. Each [Action]
// is one row of the table, and [Action.AllowedBy] is that row: the permissions
// any one of which allows the action. [Allows] answers the only question a
// check needs:
//
//	permission.Allows(permission.View|permission.Billing, permission.ViewUsage) // true
//
// The table, as [Table] returns it:
//
//	action         view  billing  manage  create
//	view-teams      X      X        X       X     view the teams the user has a role in
//	view-access     X      X        X       X     open the Access tab
//	manage-teams                    X             manage teams listed under "My Teams"
//	manage-users                    X             add members, edit their permissions
//	view-settings                   X             Settings tab: SSO and audit logs
//	view-usage             X                      Usage tab and usage exports
//	create-teams                            X     create, rename and delete teams
//
// The zero values mean nothing: the zero Set holds no permission and the zero
// Action is no action, so both are denied everywhere. Values outside the table
// (set bits above [Create], actions above [CreateTeams]) are never allowed and
// print in a form that no parser accepts.
//
// Sets and actions have one canonical text form each ([Set.String],
// [Action.String]) with exact inverses ([ParseSet], [ParseAction]), and they
// implement [encoding.TextMarshaler] and [encoding.TextUnmarshaler]. A Set
// marshals to JSON as an array of names. Every decoder is strict: an unknown
// or repeated name is an error wrapping [ErrInvalid], never a silent zero.
package permission
