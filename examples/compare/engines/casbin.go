package engines

import (
	"errors"
	"fmt"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// CasbinModel is the casbin model of the table: plain RBAC.
//
// A request is (user, action). A policy line "p, role, action" grants an
// action to a role, and a grouping line "g, user, role" gives a user a
// role. There is one role per permission — the columns of the table — so a
// member holding view and billing has two roles, and the matcher allows the
// request if any role of the user was granted the action. Nothing matches
// an unknown user or an action outside the table, and the effect "some
// allow" then denies.
const CasbinModel = `
[request_definition]
r = sub, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.act == p.act
`

// Users and roles share one namespace in casbin's role manager, and a name
// always "has" itself as a role: a user called "view" would hold the view
// role without being a member. Prefixing every user and every role keeps
// the two apart whatever the user names are.
const (
	casbinUser = "user:"
	casbinRole = "permission:"
)

// CasbinPolicy returns the policy lines ("p" rules) of the table, one per
// permission and action it allows, in table order: the part of a casbin
// policy that never changes.
func CasbinPolicy() [][]string {
	var rules [][]string
	for _, row := range permission.Table() {
		for p := range row.AllowedBy.All() {
			rules = append(rules, []string{casbinRole + p.String(), row.Action.String()})
		}
	}
	return rules
}

// casbinGrouping returns the grouping lines ("g" rules) of spec: one per
// member and permission held.
func casbinGrouping(spec account.Spec) [][]string {
	var rules [][]string
	for _, m := range spec.Members {
		for p := range m.Permissions.All() {
			rules = append(rules, []string{casbinUser + m.User, casbinRole + p.String()})
		}
	}
	return rules
}

type casbinChecker struct {
	e *casbin.Enforcer
}

// Casbin returns a Checker backed by a casbin enforcer with [CasbinModel],
// the table's [CasbinPolicy] and one grouping line per member and
// permission of spec. The model and policy are built in memory; no file or
// adapter is involved.
func Casbin(spec account.Spec) (Checker, error) {
	m, err := model.NewModelFromString(CasbinModel)
	if err != nil {
		return nil, fmt.Errorf("engines: casbin model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("engines: casbin enforcer: %w", err)
	}
	// AddPolicies adds nothing, without an error, if any rule is already
	// there; on a fresh enforcer with distinct rules it must add them all.
	switch ok, err := e.AddPolicies(CasbinPolicy()); {
	case err != nil:
		return nil, fmt.Errorf("engines: casbin policy: %w", err)
	case !ok:
		return nil, errors.New("engines: casbin policy: rules not added")
	}
	// The Ex form adds every rule not there yet, so a user listed twice
	// holds the union of both entries' permissions.
	if g := casbinGrouping(spec); len(g) > 0 {
		if _, err := e.AddGroupingPoliciesEx(g); err != nil {
			return nil, fmt.Errorf("engines: casbin grouping policy: %w", err)
		}
	}
	return casbinChecker{e}, nil
}

// Can asks the enforcer. Actions are named as in the table; an action
// outside it has a name ("action(8)") that no policy line grants. An error
// from the enforcer is a deny.
func (c casbinChecker) Can(user string, act permission.Action) bool {
	ok, err := c.e.Enforce(casbinUser+user, act.String())
	return err == nil && ok
}
