package accounttest

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"

	"github.com/entaccess/entaccess/account"
)

// A Log is an [account.Backend] that keeps an account's updates in memory
// and may be shared by several Stores, as a database is by several
// processes: each appends only if no other got the revision first, and
// reports [account.ErrStale] otherwise. It is the smallest complete
// Backend, a reference for writing one and a shared store for tests. The
// zero Log holds an account at revision 0; [NewLog] starts one at a given
// revision. A Log is safe for concurrent use.
type Log struct {
	mu     sync.Mutex
	origin uint64
	start  *account.Account  // the account at origin, if known (NewLogFrom)
	events [][]account.Event // events[i] is the update of revision origin+i+1
}

// NewLog returns a Log whose first update will be revision rev+1.
func NewLog(rev uint64) *Log { return &Log{origin: rev} }

// Append stores batch if its first update follows the last one stored, and
// reports [account.ErrStale] if another writer stored that revision first.
func (l *Log) Append(ctx context.Context, batch []account.Update) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("accounttest: append: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	last := l.origin + uint64(len(l.events))
	for i, u := range batch {
		switch {
		case i == 0 && u.Revision() <= last:
			return fmt.Errorf("accounttest: append revision %d: the log holds revision %d: %w", u.Revision(), last, account.ErrStale)
		case u.Revision() != last+1+uint64(i):
			return fmt.Errorf("accounttest: append revision %d after %d: %w", u.Revision(), last+uint64(i), account.ErrInvalid)
		case len(u.Events) == 0:
			return fmt.Errorf("accounttest: append revision %d: no events: %w", u.Revision(), account.ErrInvalid)
		}
	}
	for _, u := range batch {
		l.events = append(l.events, slices.Clone(u.Events))
	}
	return nil
}

// Events yields the events of the updates stored after revision after, in
// order.
func (l *Log) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return func(yield func(account.Event, error) bool) {
		l.mu.Lock()
		var ups [][]account.Event
		if after >= l.origin && after-l.origin < uint64(len(l.events)) {
			ups = l.events[after-l.origin:]
		} else if after < l.origin {
			ups = l.events
		}
		l.mu.Unlock()
		for _, es := range ups {
			if ctx != nil && ctx.Err() != nil {
				yield(account.Event{}, fmt.Errorf("accounttest: events: %w", ctx.Err()))
				return
			}
			for _, e := range es {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

// Revision returns the revision of the last update stored.
func (l *Log) Revision() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.origin + uint64(len(l.events))
}
