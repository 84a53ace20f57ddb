package accounttest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/internal/report/reporttest"
	"github.com/entaccess/entaccess/permission"
)

// inverted answers every check the other way from entaccess, or, with
// only set, only Can(only, ViewTeams).
type inverted struct {
	a    *account.Account
	only string
}

func (x inverted) Can(u string, act permission.Action) bool {
	if x.only != "" && (u != x.only || act != permission.ViewTeams) {
		return x.a.Can(u, act)
	}
	return !x.a.Can(u, act)
}

func (x inverted) CanViewTeam(u, team string) bool {
	if x.only != "" {
		return x.a.CanViewTeam(u, team)
	}
	return !x.a.CanViewTeam(u, team)
}

// TestCheckAccountsCounts: an implementation wrong on every check
// disagrees on every case of every account, and the report says so in its
// counts; the account it shows in full is the first of the smallest.
func TestCheckAccountsCounts(t *testing.T) {
	var f reporttest.T
	n := accounttest.CheckAccounts(&f, func(s account.Spec) (accounttest.Account, error) {
		a, err := account.New(s)
		return inverted{a: a}, err
	})
	if len(f.Reports) != 1 {
		t.Fatalf("%d reports, want 1", len(f.Reports))
	}
	// The first of the smallest specs, measured in members, teams and
	// team memberships.
	smallest, size := -1, 0
	for seed := range accounttest.GeneratedAccounts {
		s := accounttest.Spec().Example(seed)
		k := len(s.Members) + len(s.Teams)
		for _, tm := range s.Teams {
			k += len(tm.Members)
		}
		if smallest < 0 || k < size {
			smallest, size = seed, k
		}
	}
	want := fmt.Sprintf("%d of %d cases disagree with entaccess, on %d of %d accounts; the smallest of these is accounttest.Spec().Example(%d), with ",
		n, n, accounttest.GeneratedAccounts, accounttest.GeneratedAccounts, smallest)
	if !strings.Contains(f.Reports[0], want) {
		t.Errorf("report lacks %q:\n%.500s", want, f.Reports[0])
	}
	if !strings.Contains(f.Reports[0], " disagreements:") && !strings.Contains(f.Reports[0], " disagreements\n") {
		t.Errorf("report does not count its account's disagreements in the plural:\n%.500s", f.Reports[0])
	}
}

// TestCheckAccountsOneDisagreement: one disagreement on one account is
// reported in the singular.
func TestCheckAccountsOneDisagreement(t *testing.T) {
	first := accounttest.Spec().Example(0)
	var f reporttest.T
	n := accounttest.CheckAccounts(&f, func(s account.Spec) (accounttest.Account, error) {
		a, err := account.New(s)
		x := inverted{a: a}
		if !cmp.Equal(s, first) {
			return a, err
		}
		x.only = "nobody"
		return x, err
	})
	reporttest.Expect(t, &f, n, 1, "1 of ", "on 1 of 200 accounts; the smallest of these is accounttest.Spec().Example(0), with 1 disagreement")
	if len(f.Reports) == 1 && strings.Contains(f.Reports[0], "with 1 disagreements") {
		t.Errorf("report counts one disagreement in the plural:\n%s", f.Reports[0])
	}
}

// TestCheckAccountsSmallestCountsTeams: of two failing accounts, the one
// shown is the smaller in members, teams and team memberships together,
// even when the other has fewer members and memberships but more teams.
func TestCheckAccountsSmallestCountsTeams(t *testing.T) {
	type size struct{ people, teams int } // members + memberships, teams
	sizes := make([]size, accounttest.GeneratedAccounts)
	for seed := range sizes {
		s := accounttest.Spec().Example(seed)
		sizes[seed] = size{len(s.Members), len(s.Teams)}
		for _, tm := range s.Teams {
			sizes[seed].people += len(tm.Members)
		}
	}
	a, b := -1, -1
	for i, x := range sizes {
		for j, y := range sizes {
			if x.people > y.people && x.people+x.teams < y.people+y.teams {
				a, b = i, j
			}
		}
	}
	if a < 0 {
		t.Fatal("no two generated accounts where one has more members but fewer entries in all")
	}
	failing := []account.Spec{accounttest.Spec().Example(a), accounttest.Spec().Example(b)}
	var f reporttest.T
	n := accounttest.CheckAccounts(&f, func(s account.Spec) (accounttest.Account, error) {
		acct, err := account.New(s)
		for _, bad := range failing {
			if cmp.Equal(s, bad) {
				return inverted{a: acct}, err
			}
		}
		return acct, err
	})
	reporttest.Expect(t, &f, n, -1, fmt.Sprintf("on 2 of %d accounts; the smallest of these is accounttest.Spec().Example(%d), with ", accounttest.GeneratedAccounts, a))
}
