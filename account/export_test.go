package account

import "time"

// SetClock makes now the clock of s's updates: the time steps check
// certificates against and events record.
func SetClock(s *Store, now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetCompactAt sets the overlay size above which s compacts committed
// snapshots, so that tests exercise both the overlay and compaction.
func SetCompactAt(s *Store, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compactAt = n
}

// OverlaySize returns the number of overlay entries of a's members and teams.
func OverlaySize(a *Account) (members, teams int) {
	return a.members.users.Overlay(), a.teams.Overlay()
}

// CountInvariants recounts what a keeps counted: Manage holders and each
// team's admins, and reports whether the counts kept agree.
func CountInvariants(a *Account) (managers int, ok bool) {
	n := 0
	for _, p := range a.members.all {
		if p&4 != 0 {
			n++
		}
	}
	ok = n == a.members.managers
	for _, t := range a.teams.All() {
		admins := 0
		for _, r := range t.roles {
			if r == RoleAdmin {
				admins++
			}
		}
		ok = ok && admins == t.admins && t.admins > 0
	}
	return n, ok
}

// Coming returns how many callers s counts as coming to its queue: waiting
// for the update lock, running a callback, or returning from an update
// that just settled.
func Coming(s *Store) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.coming
}

// SetGathered makes s call fn, on its committer, each time the committer
// is about to wait for coming callers before it takes a batch.
func SetGathered(s *Store, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gathered = fn
}
