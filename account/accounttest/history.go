package accounttest

import (
	"context"
	"fmt"

	"github.com/entaccess/entaccess/account"
)

// NewLogFrom returns a Log that holds a's history from a on: its first
// update will be revision a.Revision()+1, and it is an [account.History]
// whose At gives a and every state after it. Make the Store that writes to
// it with [account.NewStoreWith](a, log).
func NewLogFrom(a *account.Account) *Log {
	return &Log{origin: a.Revision(), start: a}
}

// At returns the account at revision rev, replaying the stored updates on
// the account the Log began with ([account.ReplayTo]). A revision not
// stored yet is an error wrapping [account.ErrNotCommitted]; one before the
// Log's first state, [account.ErrNotKept]. A Log made by [NewLog] or the
// zero Log does not know the account it began with: its At is an error
// wrapping [account.ErrInvalid].
func (l *Log) At(ctx context.Context, rev uint64) (*account.Account, error) {
	l.mu.Lock()
	start, origin := l.start, l.origin
	l.mu.Unlock()
	if start == nil {
		return nil, fmt.Errorf("accounttest: at revision %d: the log does not know the account it began with (make it with NewLogFrom): %w", rev, account.ErrInvalid)
	}
	if rev < origin {
		return nil, &account.RevisionError{Revision: rev, Latest: origin, Err: account.ErrNotKept}
	}
	return account.ReplayTo(ctx, start, l.Events(ctx, origin), rev)
}
