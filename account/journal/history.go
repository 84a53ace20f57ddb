package journal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/entaccess/entaccess/account"
)

// The journal keeps its whole history: a Journal is an [account.History].
var _ account.History = (*Journal)(nil)

// At returns the account exactly as it was at revision rev, rebuilt from
// the nearest checkpoint kept at or before rev and the log after it.
// Create's checkpoint is always kept, and every segment, so every revision
// from the journal's creation to its last durable one can be rebuilt. A
// revision not committed yet is an [*account.RevisionError] wrapping
// [account.ErrNotCommitted]; one before the journal was created wraps
// [account.ErrNotKept]. Damage to what it reads is [ErrCorrupt].
func (j *Journal) At(ctx context.Context, rev uint64) (*account.Account, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return j.stateAt(ctx, rev)
}

// stateAt is At.
func (j *Journal) stateAt(ctx context.Context, rev uint64) (*account.Account, error) {
	j.mu.Lock()
	closed, durable, origin := j.closed, j.durable, j.origin
	segs := append([]uint64(nil), j.segs...)
	j.mu.Unlock()
	switch {
	case closed:
		return nil, fmt.Errorf("journal: state at revision %d in %s: %w", rev, j.dir, ErrClosed)
	case rev > durable:
		return nil, fmt.Errorf("journal: state in %s: %w", j.dir, &account.RevisionError{Revision: rev, Latest: durable, Err: account.ErrNotCommitted})
	case rev < origin:
		return nil, fmt.Errorf("journal: state in %s: %w", j.dir, &account.RevisionError{Revision: rev, Latest: origin, Err: account.ErrNotKept})
	}
	// A checkpoint may go (the retention policy) between the listing and
	// the reading: list again.
	for range 3 {
		names, err := j.fsys.ReadDir(j.dir)
		if err != nil {
			return nil, fmt.Errorf("journal: state at revision %d: %w", rev, err)
		}
		var from uint64
		found := false
		for _, c := range checkpoints(names) {
			if c <= rev && c >= origin {
				from, found = c, true
			}
		}
		if !found {
			return nil, &CorruptError{File: filepath.Join(j.dir, ckptName(origin)), Revision: origin, Err: errors.New("no checkpoint at or before the revision is left, not even the journal's first")}
		}
		b, _, _, err := readCheckpoint(j.fsys, filepath.Join(j.dir, ckptName(from)), from)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("journal: state at revision %d: %w", rev, err)
		}
		return j.replayTo(ctx, b, from, segs, rev)
	}
	return nil, fmt.Errorf("journal: state at revision %d in %s: checkpoints keep going while being read", rev, j.dir)
}

// replayTo replays the records after revision from, up to revision rev,
// on the account b holds at revision from.
func (j *Journal) replayTo(ctx context.Context, b *account.Builder, from uint64, segs []uint64, rev uint64) (*account.Account, error) {
	r := replayer{b: b}
	next := from + 1
	for i, first := range segs {
		if next > rev {
			break
		}
		if i+1 < len(segs) && segs[i+1] <= next {
			continue // the segment ends before next
		}
		name := filepath.Join(j.dir, segName(first))
		if first > next {
			return nil, &CorruptError{File: name, Revision: next, Err: fmt.Errorf("no log segment holds revision %d", next)}
		}
		_, last, _, dmg, err := scanSegment(j.fsys, name, first, false, func(rec segRecord) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			switch {
			case rec.rev > rev:
				return errStop
			case rec.rev < next:
				return nil
			}
			return r.add(name, rec)
		})
		var ce *CorruptError
		switch {
		case errors.As(err, &ce):
			return nil, err
		case errors.Is(err, fs.ErrNotExist):
			return nil, &CorruptError{File: name, Revision: next, Err: errors.New("the log segment is missing")}
		case err != nil:
			return nil, fmt.Errorf("journal: state at revision %d: read %s: %w", rev, name, err)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("journal: state at revision %d: %w", rev, ctx.Err())
		case dmg != nil && dmg.rev <= rev:
			return nil, dmg.corrupt(name)
		}
		next = min(last, rev) + 1
	}
	if next <= rev {
		return nil, &CorruptError{File: j.dir, Revision: next, Err: fmt.Errorf("the log ends before revision %d", next)}
	}
	a, err := r.account()
	var ce *CorruptError
	if errors.As(err, &ce) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("journal: state at revision %d: %w", rev, err)
	}
	return a, nil
}
