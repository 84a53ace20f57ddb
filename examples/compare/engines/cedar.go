package engines

import (
	"fmt"
	"strings"

	"github.com/cedar-policy/cedar-go"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// The entity types of the Cedar encoding. A member is a User entity whose
// parents are the Permission entities it holds (Permission::"view",
// Permission::"billing", ...); the resource is the Account itself.
const (
	cedarUser       cedar.EntityType = "User"
	cedarPermission cedar.EntityType = "Permission"
	cedarAction     cedar.EntityType = "Action"
	cedarAccount    cedar.EntityType = "Account"
)

// CedarPolicies returns the Cedar policy set of the table: one permit per
// action (row), allowing a principal that is in any Permission of its row.
// For example, the row of view-usage reads:
//
//	// view-usage: open the Usage tab and export usage files
//	@id("view-usage")
//	permit (
//	  principal is User,
//	  action == Action::"view-usage",
//	  resource is Account
//	)
//	when { principal in [Permission::"billing"] };
//
// There is no forbid: Cedar denies whatever no permit allows, so
// non-members (users with no entity, hence no parents) and actions outside
// the table (no permit names them) are denied.
func CedarPolicies() string {
	var b strings.Builder
	for i, row := range permission.Table() {
		if i > 0 {
			b.WriteString("\n")
		}
		var perms []string
		for p := range row.AllowedBy.All() {
			perms = append(perms, fmt.Sprintf("%s::%q", cedarPermission, p.String()))
		}
		// Action and permission names are lower-case ASCII words joined by
		// "-", so %q quotes them exactly as Cedar does.
		fmt.Fprintf(&b, "// %s: %s\n", row.Action, row.Description)
		fmt.Fprintf(&b, "@id(%q)\n", row.Action.String())
		fmt.Fprintf(&b, "permit (\n  principal is %s,\n  action == %s::%q,\n  resource is %s\n)\n",
			cedarUser, cedarAction, row.Action.String(), cedarAccount)
		fmt.Fprintf(&b, "when { principal in [%s] };\n", strings.Join(perms, ", "))
	}
	return b.String()
}

// CedarEntities returns the entities of spec's members: one User per
// member, whose parents are the Permissions it holds. Cedar needs no entity
// for the Permissions themselves: "principal in Permission::..." follows
// the principal's parents.
func CedarEntities(spec account.Spec) cedar.EntityMap {
	entities := make(cedar.EntityMap, len(spec.Members))
	for _, m := range spec.Members {
		var parents []cedar.EntityUID
		for p := range m.Permissions.All() {
			parents = append(parents, cedar.NewEntityUID(cedarPermission, cedar.String(p.String())))
		}
		uid := cedar.NewEntityUID(cedarUser, cedar.String(m.User))
		entities[uid] = cedar.Entity{UID: uid, Parents: cedar.NewEntityUIDSet(parents...)}
	}
	return entities
}

type cedarChecker struct {
	policies *cedar.PolicySet
	entities cedar.EntityMap
	account  cedar.EntityUID
}

// Cedar returns a Checker that authorizes each request with cedar-go
// against [CedarPolicies] and the [CedarEntities] of spec.
func Cedar(spec account.Spec) (Checker, error) {
	ps, err := cedar.NewPolicySetFromBytes("entaccess.cedar", []byte(CedarPolicies()))
	if err != nil {
		return nil, fmt.Errorf("engines: cedar policies: %w", err)
	}
	return cedarChecker{
		policies: ps,
		entities: CedarEntities(spec),
		account:  cedar.NewEntityUID(cedarAccount, cedar.String(spec.Name)),
	}, nil
}

// Can builds the request (User::user, Action::act, Account::name) and asks
// cedar-go for a decision. An action outside the table is named like
// "action(8)", which no policy mentions. A policy that fails to evaluate is
// skipped by Cedar, and the decision is then a deny unless another permit
// applies; the table's policies cannot fail on these requests.
func (c cedarChecker) Can(user string, act permission.Action) bool {
	decision, _ := cedar.Authorize(c.policies, c.entities, cedar.Request{
		Principal: cedar.NewEntityUID(cedarUser, cedar.String(user)),
		Action:    cedar.NewEntityUID(cedarAction, cedar.String(act.String())),
		Resource:  c.account,
	})
	return decision == cedar.Allow
}
