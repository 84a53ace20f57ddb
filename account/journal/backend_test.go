package journal

import (
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
)

// The journal passes the Backend conformance kit, reopened and closed
// under load included.
func TestBackendConformance(t *testing.T) {
	journalOf := func(b account.Backend) *Journal { return (*Journal)(b.(*backend)) }
	accounttest.TestBackend(t, accounttest.BackendHarness{
		New: func(t *testing.T, a *account.Account) account.Backend {
			j, err := Create(t.TempDir(), a)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			return (*backend)(j)
		},
		Reopen: func(t *testing.T, b account.Backend) (account.Backend, *account.Account) {
			j := journalOf(b)
			j.Close()
			j2, err := Open(j.dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j2.Close() })
			return (*backend)(j2), j2.Store().Load()
		},
		Close: func(b account.Backend) error { return journalOf(b).Close() },
	})
}
