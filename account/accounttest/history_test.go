package accounttest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/internal/report/reporttest"
)

// logHarness keeps histories in Logs. Reopening makes a new Store on the
// same Log, from the state its At gives.
var logHarness = accounttest.HistoryHarness{
	New: func(t *testing.T, a *account.Account) (*account.Store, account.History) {
		log := accounttest.NewLogFrom(a)
		return account.NewStoreWith(a, log), log
	},
	Reopen: func(t *testing.T, h account.History) (*account.Store, account.History) {
		log := h.(*accounttest.Log)
		a, err := log.At(context.Background(), log.Revision())
		if err != nil {
			t.Fatal(err)
		}
		return account.NewStoreWith(a, log), log
	},
}

func TestHistoryLog(t *testing.T) {
	accounttest.TestHistory(t, logHarness)
}

// offByOne is a Log whose At gives the state before the one asked for.
type offByOne struct{ *accounttest.Log }

func (o offByOne) At(ctx context.Context, rev uint64) (*account.Account, error) {
	if rev > 1 {
		rev--
	}
	return o.Log.At(ctx, rev)
}

// TestHistoryFindsWrongAt checks that TestHistory's property fails for a
// history whose At gives the wrong state.
func TestHistoryFindsWrongAt(t *testing.T) {
	h := accounttest.HistoryHarness{New: func(t *testing.T, a *account.Account) (*account.Store, account.History) {
		log := accounttest.NewLogFrom(a)
		return account.NewStoreWith(a, log), offByOne{log}
	}}
	got := reporttest.Failing(t, accounttest.HistoryProperty(t, h))
	if !strings.Contains(got, "At(2)") {
		t.Fatalf("TestHistory on a wrong At reported:\n%s", got)
	}
}
