package accounttest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/report"
	"github.com/entaccess/entaccess/permission"
	"github.com/entaccess/entaccess/permission/permissiontest"
)

// CheckAccount checks can, another implementation's check on the account
// spec describes ([account.Account.Can]: may user perform act?), against
// entaccess, for every user of [Users] and every action value 0 to 255:
// the seven actions of the table, then the zero action and every value
// above the table, which must all be denied.
//
// It fails t once, listing the first 20 disagreements, each with the
// account's explanation ([account.Decision]), and counting the rest, and
// returns their number.
// If entaccess rejects spec, CheckAccount fails t saying so and returns 1.
func CheckAccount(t permissiontest.TB, spec account.Spec, can func(user string, act permission.Action) bool) int {
	t.Helper()
	a, err := account.New(spec)
	if err != nil {
		t.Errorf("accounttest: CheckAccount: entaccess rejects the spec: %v", err)
		return 1
	}
	r := report.Report{Prefix: "accounttest", Check: "CheckAccount"}
	checkCan(&r, a, Users(spec), can)
	return r.Done(t)
}

// CheckTeamView checks canView, another implementation's team visibility
// on the account spec describes ([account.Account.CanViewTeam]: can user
// see team?), against entaccess, for every user of [Users] and every team
// of spec, a team that does not exist, the empty name and look-alikes of
// the teams' names.
//
// It fails t once, listing the first 20 disagreements, each with the
// reason entaccess decides as it does, and counting the rest, and returns
// their number. If
// entaccess rejects spec, CheckTeamView fails t saying so and returns 1.
func CheckTeamView(t permissiontest.TB, spec account.Spec, canView func(user, team string) bool) int {
	t.Helper()
	a, err := account.New(spec)
	if err != nil {
		t.Errorf("accounttest: CheckTeamView: entaccess rejects the spec: %v", err)
		return 1
	}
	r := report.Report{Prefix: "accounttest", Check: "CheckTeamView"}
	checkView(&r, a, Users(spec), Teams(spec), canView)
	return r.Done(t)
}

// Users returns the users the account checks try for spec, sorted and
// without repeats: every member; every collaborator who is not a member;
// "nobody", who appears nowhere; the empty user; and, for each member,
// look-alikes that must not be mistaken for them (the name in upper case,
// and with a space before or after), when they are not users themselves.
func Users(spec account.Spec) []string {
	known := map[string]bool{}
	for _, m := range spec.Members {
		known[m.User] = true
	}
	for _, tm := range spec.Teams {
		for _, m := range tm.Members {
			known[m.User] = true
		}
	}
	users := []string{"", "nobody"}
	for u := range known {
		users = append(users, u)
	}
	for _, m := range spec.Members {
		for _, v := range []string{strings.ToUpper(m.User), " " + m.User, m.User + " "} {
			if !known[v] {
				users = append(users, v)
			}
		}
	}
	slices.Sort(users)
	return slices.Compact(users)
}

// Teams returns the team names the team checks try for spec, sorted and
// without repeats: every team, "no-such-team", the empty name, and each
// team's name in upper case when that is not a team too.
func Teams(spec account.Spec) []string {
	names := []string{"", "no-such-team"}
	for _, tm := range spec.Teams {
		names = append(names, tm.Name, strings.ToUpper(tm.Name))
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func checkCan(r *report.Report, a *account.Account, users []string, can func(string, permission.Action) bool) {
	for _, act := range report.Actions(permission.Actions()) {
		for _, u := range users {
			r.Cases++
			d := a.Explain(u, act)
			got, p := report.Call(func() bool { return can(u, act) })
			if p != nil || got != d.Allowed {
				r.Add("Can(%q, %s): got %s, want %t: %s", u, report.Action(act), report.Answer(got, p), d.Allowed, d)
			}
		}
	}
}

func checkView(r *report.Report, a *account.Account, users, teams []string, canView func(string, string) bool) {
	for _, u := range users {
		for _, team := range teams {
			r.Cases++
			want := a.CanViewTeam(u, team)
			got, p := report.Call(func() bool { return canView(u, team) })
			if p != nil || got != want {
				r.Add("CanViewTeam(%q, %q): got %s, want %t: %s", u, team, report.Answer(got, p), want, ViewReason(a, u, team))
			}
		}
	}
}

// An Account is what [CheckAccounts] needs of another implementation's
// account: its two checks. *account.Account implements it.
type Account interface {
	Can(user string, act permission.Action) bool
	CanViewTeam(user, team string) bool
}

// GeneratedAccounts is how many accounts [CheckAccounts] tries.
const GeneratedAccounts = 200

// CheckAccounts checks another implementation's accounts against
// entaccess on [GeneratedAccounts] account specs drawn by [Spec] with the
// seeds 0, 1, 2 and so on, the same on every run. For each spec, build
// loads it into the other implementation, and both checks are compared as
// [CheckAccount] and [CheckTeamView] do; an error from build, for a spec
// entaccess accepts, is a disagreement too.
//
// It fails t once, reporting how many accounts disagree and, in full, the
// smallest of them: its seed, its JSON and the first 20 of its
// disagreements. It returns the number of disagreements over all accounts.
func CheckAccounts(t permissiontest.TB, build func(account.Spec) (Account, error)) int {
	t.Helper()
	gen := Spec()
	var worst *report.Report
	total, failing, cases, worstSize := 0, 0, 0, 0
	var worstSeed int
	var worstSpec account.Spec
	for seed := range GeneratedAccounts {
		spec := gen.Example(seed)
		a, err := account.New(spec)
		if err != nil {
			t.Errorf("accounttest: CheckAccounts: seed %d: entaccess rejects its own generated spec: %v", seed, err)
			return 1
		}
		r := &report.Report{Prefix: "accounttest", Check: "CheckAccounts"}
		other, p := report.Call(func() Account {
			o, err := build(spec.Clone())
			if err != nil {
				r.Add("build rejects a spec entaccess accepts: %v", err)
			}
			return o
		})
		switch {
		case p != nil:
			r.Add("build panics: %v", p)
		case other != nil:
			users := Users(spec)
			checkCan(r, a, users, other.Can)
			checkView(r, a, users, Teams(spec), other.CanViewTeam)
		case r.N == 0:
			r.Add("build returns no account and no error")
		}
		cases += max(r.Cases, 1)
		if r.N == 0 {
			continue
		}
		total += r.N
		failing++
		if size := specSize(spec); worst == nil || size < worstSize {
			worst, worstSize, worstSeed, worstSpec = r, size, seed, spec
		}
	}
	if worst == nil {
		return 0
	}
	js, _ := json.Marshal(worstSpec)
	noun := "disagreements"
	if worst.N == 1 {
		noun = "disagreement"
	}
	worst.Head = fmt.Sprintf("%d of %d cases disagree with entaccess, on %d of %d accounts; the smallest of these is accounttest.Spec().Example(%d), with %d %s",
		total, cases, failing, GeneratedAccounts, worstSeed, worst.N, noun)
	worst.Input = string(js)
	worst.Done(t)
	return total
}

// AccountProperty returns a property for [rapid.Check]: on an account spec
// drawn by [Spec], the account build makes of it agrees with entaccess on
// every check of [CheckAccount] and [CheckTeamView]. rapid shrinks a
// failure to a small account and prints it.
func AccountProperty(build func(account.Spec) (Account, error)) func(*rapid.T) {
	return func(t *rapid.T) {
		spec := Spec().Draw(t, "spec")
		other, err := build(spec.Clone())
		switch {
		case err != nil:
			t.Fatalf("accounttest: build rejects a spec entaccess accepts: %v", err)
		case other == nil:
			t.Fatalf("accounttest: build returns no account and no error")
		}
		CheckAccount(t, spec, other.Can)
		CheckTeamView(t, spec, other.CanViewTeam)
	}
}

// specSize measures a spec, to report the smallest failing one.
func specSize(s account.Spec) int {
	n := len(s.Members) + len(s.Teams)
	for _, tm := range s.Teams {
		n += len(tm.Members)
	}
	return n
}
