package web

import (
	"context"
	"iter"
	"log/slog"
	"slices"
	"sync"

	"github.com/entaccess/entaccess/account"
)

// A Backend holds the account the dashboard serves and its history.
// A journal from package account/journal is one; [NewMemory] makes one
// that lives in memory.
type Backend interface {
	// Store returns the Store of the account; the same one every time.
	Store() *account.Store
	// Events yields every committed step with a revision above after,
	// in commit order: the audit log. At returns the account as it was at
	// a revision: the Access tab's "as of" view. See [account.History].
	account.History
}

// Memory is a [Backend] that keeps the account and its history in memory:
// both are lost when the process ends.
type Memory struct {
	store *account.Store
	first *account.Account // the account the history begins with

	mu     sync.Mutex
	events []account.Event
}

// NewMemory returns a Memory whose account is a. Each committed update's
// events are kept for [Memory.Events] and, when logger is not nil, logged
// to it.
func NewMemory(a *account.Account, logger *slog.Logger) *Memory {
	m := &Memory{store: account.NewStore(a), first: a}
	var logEvents func([]account.Event)
	if logger != nil {
		logEvents = account.LogObserver(logger)
	}
	m.store.SetObserver(func(events []account.Event) {
		m.mu.Lock()
		m.events = append(m.events, events...)
		m.mu.Unlock()
		if logEvents != nil {
			logEvents(events)
		}
	})
	return m
}

// Store returns the Store of the account.
func (m *Memory) Store() *account.Store { return m.store }

// Events yields every committed step with a revision above after, in
// commit order. It never yields an error.
func (m *Memory) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	m.mu.Lock()
	events := slices.Clone(m.events)
	m.mu.Unlock()
	return func(yield func(account.Event, error) bool) {
		for _, e := range events {
			if e.Revision > after && !yield(e, nil) {
				return
			}
		}
	}
}

// At returns the account as it was at revision rev, replayed from the
// account the Memory began with ([account.ReplayTo]). A revision not
// committed yet, or one before the Memory began, is an
// [*account.RevisionError].
func (m *Memory) At(ctx context.Context, rev uint64) (*account.Account, error) {
	return account.ReplayTo(ctx, m.first, m.Events(ctx, m.first.Revision()), rev)
}
