package account_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// TestConcurrentReadersAndWriters runs readers calling Load().Can while
// writers commit updates; run it with -race. Each update moves a token: it
// takes Billing from one of a ring of users and gives it to the next, and
// renames a team in the same update. A reader that saw half an update would
// find zero or two Billing holders in the ring, or a team name that does not
// match the holder.
func TestConcurrentReadersAndWriters(t *testing.T) {
	const ring = 8
	spec := account.Spec{Name: "race", Members: []account.Member{{User: "boss", Permissions: permission.Admin}}}
	spec.Teams = []account.Team{{Name: "held-by-0", Members: []account.TeamMember{{User: "boss", Role: account.RoleAdmin}}}}
	for i := range ring {
		p := permission.View
		if i == 0 {
			p |= permission.Billing
		}
		spec.Members = append(spec.Members, account.Member{User: fmt.Sprint("u", i), Permissions: p})
	}
	for i := range 200 { // enough members that compaction copies a real base
		spec.Members = append(spec.Members, account.Member{User: fmt.Sprint("filler", i), Permissions: permission.View})
	}
	s := account.NewStore(mustNew(t, spec))
	account.SetCompactAt(s, 3)

	const writers, updatesEach, readers = 2, 300, 4
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, readers+writers)
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lastRev uint64
			for {
				select {
				case <-done:
					return
				default:
				}
				a := s.Load()
				if a.Revision() < lastRev {
					errs <- fmt.Errorf("revision went back from %d to %d", lastRev, a.Revision())
					return
				}
				lastRev = a.Revision()
				holder := -1
				for i := range ring {
					if a.Can(fmt.Sprint("u", i), permission.ViewUsage) {
						if holder >= 0 {
							errs <- fmt.Errorf("revision %d: two billing holders, u%d and u%d", a.Revision(), holder, i)
							return
						}
						holder = i
					}
				}
				if holder < 0 || !a.CanViewTeam("boss", fmt.Sprint("held-by-", holder)) {
					errs <- fmt.Errorf("revision %d: holder u%d, teams %v", a.Revision(), holder, a.TeamsOf("boss"))
					return
				}
			}
		}()
	}
	var wwg sync.WaitGroup
	for range writers {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for range updatesEach {
				_, err := s.Update(func(tx *account.Tx) error {
					a := tx.Account()
					for i := range ring {
						if a.Can(fmt.Sprint("u", i), permission.ViewUsage) {
							next := (i + 1) % ring
							if err := tx.SetPermissions("boss", fmt.Sprint("u", i), permission.View); err != nil {
								return err
							}
							if err := tx.SetPermissions("boss", fmt.Sprint("u", next), permission.Billing); err != nil {
								return err
							}
							return tx.RenameTeam("boss", fmt.Sprint("held-by-", i), fmt.Sprint("held-by-", next))
						}
					}
					return fmt.Errorf("no holder")
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wwg.Wait()
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := s.Load().Revision(), uint64(writers*updatesEach); got != want {
		t.Errorf("final revision %d, want %d", got, want)
	}
}
