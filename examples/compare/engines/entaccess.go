package engines

import "github.com/entaccess/entaccess/account"

// Entaccess returns the account built by [account.New] from spec: an
// *account.Account is itself a Checker. It is the only encoding that
// validates spec and adds View to every member.
func Entaccess(spec account.Spec) (Checker, error) {
	acct, err := account.New(spec)
	if err != nil {
		return nil, err // not a nil *Account inside a non-nil Checker
	}
	return acct, nil
}
