package engines

import (
	"context"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// RegoQuery is the query the OPA encoding prepares: the allow rule of
// [RegoModule].
const RegoQuery = "data.entaccess.allow"

// RegoModule returns the Rego module of the table (Rego v1 syntax). The
// table itself is a constant of the module, allowed_by; the account is
// data (data.account.members: user → the names of the permissions held),
// and each request is input ({"user": ..., "action": ...}):
//
//	package entaccess
//
//	allowed_by := {
//		"view-teams": {"view", "billing", "manage", "create"},
//		...
//		"view-usage": {"billing"},
//		...
//	}
//
//	default allow := false
//
//	allow if {
//		some p in data.account.members[input.user]
//		p in allowed_by[input.action]
//	}
//
// A non-member has no entry in data.account.members and an action outside
// the table has none in allowed_by, so the body is undefined and the
// default, false, applies.
func RegoModule() string {
	var b strings.Builder
	b.WriteString("package entaccess\n\n")
	b.WriteString("# The permission table: for each action, the permissions any one of\n")
	b.WriteString("# which allows it.\n")
	b.WriteString("allowed_by := {\n")
	for _, row := range permission.Table() {
		var perms []string
		for p := range row.AllowedBy.All() {
			perms = append(perms, fmt.Sprintf("%q", p.String()))
		}
		fmt.Fprintf(&b, "\t%q: {%s},\n", row.Action.String(), strings.Join(perms, ", "))
	}
	b.WriteString("}\n\n")
	b.WriteString("# Default deny: non-members and actions outside the table get false.\n")
	b.WriteString("default allow := false\n\n")
	b.WriteString("# A member may perform an action if one of their permissions allows it.\n")
	b.WriteString("allow if {\n")
	b.WriteString("\tsome p in data.account.members[input.user]\n")
	b.WriteString("\tp in allowed_by[input.action]\n")
	b.WriteString("}\n")
	return b.String()
}

// RegoData returns the data document of spec for [RegoModule]:
// {"account": {"name": ..., "members": {user: [permission names]}}}, built
// from plain maps and slices as if decoded from JSON.
func RegoData(spec account.Spec) map[string]any {
	members := make(map[string]any, len(spec.Members))
	for _, m := range spec.Members {
		perms := []any{}
		for p := range m.Permissions.All() {
			perms = append(perms, p.String())
		}
		members[m.User] = perms
	}
	return map[string]any{
		"account": map[string]any{"name": spec.Name, "members": members},
	}
}

type opaChecker struct {
	query rego.PreparedEvalQuery
}

// OPA returns a Checker that evaluates [RegoQuery] with OPA, prepared once
// (rego.PrepareForEval) over [RegoModule] and an in-memory store holding
// [RegoData] of spec. The store keeps the data as Rego values
// (inmem.OptReturnASTValuesOnRead), so a check converts only its input.
func OPA(spec account.Spec) (Checker, error) {
	store := inmem.NewFromObjectWithOpts(RegoData(spec), inmem.OptReturnASTValuesOnRead(true))
	query, err := rego.New(
		rego.Query(RegoQuery),
		rego.Module("entaccess.rego", RegoModule()),
		rego.Store(store),
	).PrepareForEval(context.Background())
	if err != nil {
		return nil, fmt.Errorf("engines: opa: %w", err)
	}
	return opaChecker{query}, nil
}

// Can evaluates the prepared query with the user and the action's name as
// input. The result set holds one boolean; an evaluation error is a deny.
func (c opaChecker) Can(user string, act permission.Action) bool {
	rs, err := c.query.Eval(context.Background(), rego.EvalInput(map[string]any{
		"user":   user,
		"action": act.String(),
	}))
	return err == nil && rs.Allowed()
}
