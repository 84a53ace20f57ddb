package accounttest_test

import (
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
)

// The in-memory Store, with no backend, keeps the promises that need none.
func TestBackendMemoryStore(t *testing.T) {
	accounttest.TestBackend(t, accounttest.BackendHarness{
		New: func(*testing.T, *account.Account) account.Backend { return nil },
	})
}

// Log, the reference backend, passes every check, with several writers.
func TestBackendLog(t *testing.T) {
	accounttest.TestBackend(t, accounttest.BackendHarness{
		New: func(_ *testing.T, a *account.Account) account.Backend { return accounttest.NewLog(a.Revision()) },
		Writer: func(_ *testing.T, b account.Backend) account.Backend {
			return b // each Store is a writer of its own on the shared log
		},
	})
}
