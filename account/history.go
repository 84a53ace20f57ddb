package account

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"
)

// A History is an account's committed updates, kept: every step with its
// actor and commit time, and every state the account went through. Package
// journal keeps one in a local directory, and the PostgreSQL replica keeps
// one in its tables; a [Backend] that keeps its history implements it too.
//
// Events yields every committed step with a revision greater than after,
// in revision order, each with its update's commit time (UTC): the audit
// log. Events(ctx, 0) yields the whole history.
//
// At returns the account exactly as it was at revision rev: equal, in its
// [Account.Spec], its revision and every check, to the snapshot that
// [Store.Update] returned when it committed rev. A history finds it from the
// latest state it keeps at or before rev (a checkpoint, or the account the
// history began with) and the events after that state, which is what
// [ReplayTo] does. A revision not committed yet is an error wrapping
// [ErrNotCommitted]; one from before the history began is an error wrapping
// [ErrNotKept]. Both are [*RevisionError]s.
//
// The questions a History answers, besides the audit log itself:
//   - which revision was in force at a time: [RevisionAt];
//   - since when, and through whose step, a user may or may not do
//     something: [Provenance];
//   - during which revisions a user could do something, or who could:
//     [AccessSpans] and [WhoCould];
//   - what changed between two revisions: [Diff] of two At results.
type History interface {
	Events(ctx context.Context, after uint64) iter.Seq2[Event, error]
	At(ctx context.Context, rev uint64) (*Account, error)
}

// A UserHistory is a [History] that can read one user's events without
// reading the others in full: a store that keeps events in records can
// compare the user's name in each record before it decodes the rest.
// [AccessSpans] and [Provenance] use it, when their History is one, for a
// question across the account, whose answer rests on the user's own
// events alone; they read every event otherwise. The journal is one.
//
// UserEvents yields, in revision order, exactly the events that
// Events(ctx, after) yields with User equal to user and a Revision at most
// through, and nothing else. If through is past the latest revision
// committed, it yields a [*RevisionError] wrapping [ErrNotCommitted],
// whose Latest is that revision, and no event.
type UserHistory interface {
	History
	UserEvents(ctx context.Context, user string, after, through uint64) iter.Seq2[Event, error]
}

var (
	// ErrNotCommitted is wrapped by the error of a [History] asked for a
	// revision that has not been committed yet.
	ErrNotCommitted = errors.New("revision not committed yet")
	// ErrNotKept is wrapped by the error of a [History] asked for a
	// revision from before the history began.
	ErrNotKept = errors.New("revision not kept")
)

// A RevisionError reports a revision that a [History] cannot give. It
// wraps [ErrNotCommitted] for a revision past the latest one committed,
// and [ErrNotKept] for one from before the history began.
type RevisionError struct {
	Revision uint64 // the revision asked for
	// Latest is the latest revision committed (ErrNotCommitted) or the
	// first revision the history holds (ErrNotKept).
	Latest uint64
	Err    error // ErrNotCommitted or ErrNotKept
}

// Error says which revision and why, as in
//
//	account: revision 12: not committed yet: the latest is 9
func (e *RevisionError) Error() string {
	b := []byte("account: revision ")
	b = strconv.AppendUint(b, e.Revision, 10)
	switch e.Err {
	case ErrNotCommitted:
		b = append(b, ": not committed yet: the latest is "...)
	case ErrNotKept:
		b = append(b, ": not kept: the history begins at revision "...)
	default:
		b = append(b, ": "...)
		if e.Err != nil {
			b = append(b, e.Err.Error()...)
		}
		b = append(b, ": the bound is "...)
	}
	b = strconv.AppendUint(b, e.Latest, 10)
	return string(b)
}

// Unwrap returns e.Err.
func (e *RevisionError) Unwrap() error { return e.Err }

// replayChunk is the most events [ReplayTo] gathers before it replays
// them, at an update's boundary.
const replayChunk = 4096

// ReplayTo returns the account at revision rev, from base, a state at or
// before rev (a checkpoint, or the account a history began with), and
// events, the events committed after it in revision order, such as a
// [History]'s Events(ctx, base.Revision()). It is how a History implements
// At. Events at or before base's revision are skipped; ReplayTo stops
// reading at the first event past rev. Each event is checked as
// [Account.Replay] checks it, so events that do not follow base are an
// error wrapping [ErrMismatch].
//
// If the events end before rev, rev is not committed yet: the error is a
// [*RevisionError] wrapping [ErrNotCommitted] that gives the latest
// revision the events reached. A rev before base's revision is an error
// wrapping [ErrNotKept]: base cannot give it. An error that events yield
// is returned wrapped. A nil base is an error wrapping [ErrInvalid].
func ReplayTo(ctx context.Context, base *Account, events iter.Seq2[Event, error], rev uint64) (*Account, error) {
	if base == nil {
		return nil, fmt.Errorf("account: replay to revision %d: nil base account: %w", rev, ErrInvalid)
	}
	if rev < base.Revision() {
		return nil, &RevisionError{Revision: rev, Latest: base.Revision(), Err: ErrNotKept}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cur := base
	var group []Event
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("account: replay to revision %d: %w", rev, err)
		}
		next, err := cur.Replay(group)
		if err != nil {
			return fmt.Errorf("account: replay to revision %d from revision %d: %w", rev, cur.Revision(), err)
		}
		cur, group = next, group[:0]
		return nil
	}
	if rev > base.Revision() {
		for e, err := range events {
			if err != nil {
				return nil, fmt.Errorf("account: replay to revision %d: reading events: %w", rev, err)
			}
			if e.Revision <= base.Revision() {
				continue
			}
			if e.Revision > rev {
				break
			}
			if len(group) >= replayChunk && e.Revision != group[len(group)-1].Revision {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			group = append(group, e)
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if cur.Revision() < rev {
		return nil, &RevisionError{Revision: rev, Latest: cur.Revision(), Err: ErrNotCommitted}
	}
	return cur, nil
}

// RevisionAt returns the revision in force at time t according to h: that
// of the last update committed at or before t. Commit times are those the
// Store stamped (UTC); if the clock of a store stepped back, the first
// update stamped after t ends the search. For a t before the first update h
// holds, it is the revision h begins at, the one before that update; for a
// history that holds no update, 0.
//
// It reads h's events up to the first one after t.
func RevisionAt(ctx context.Context, h History, t time.Time) (uint64, error) {
	if h == nil {
		return 0, fmt.Errorf("account: revision at %s: nil History: %w", t.Format(time.RFC3339Nano), ErrInvalid)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var rev uint64
	first := true
	for e, err := range h.Events(ctx, 0) {
		if err != nil {
			return 0, fmt.Errorf("account: revision at %s: reading events: %w", t.Format(time.RFC3339Nano), err)
		}
		if first {
			rev, first = e.Revision-1, false
		}
		if e.Time.After(t) {
			break
		}
		rev = e.Revision
	}
	return rev, nil
}
