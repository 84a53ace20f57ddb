package engines

import (
	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// A Checker answers one question of the permission table: may user perform
// act in the account it was built from? It is false for non-members, the
// empty user and actions outside the table. A Checker is safe for
// concurrent use by multiple goroutines.
type Checker interface {
	Can(user string, act permission.Action) bool
}

// An Engine names one encoding of the table and builds its Checker.
type Engine struct {
	Name string                                   // "entaccess", "casbin", "cedar" or "opa"
	New  func(spec account.Spec) (Checker, error) // builds a Checker for the account spec
}

// All returns the four encodings, entaccess first, as a fresh slice.
func All() []Engine {
	return []Engine{
		{"entaccess", Entaccess},
		{"casbin", Casbin},
		{"cedar", Cedar},
		{"opa", OPA},
	}
}
