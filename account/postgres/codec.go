package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/entaccess/entaccess/account"
)

// encodeEvents returns the canonical form of an update's events: their
// JSON array in [account.Event]'s own JSON form. The updates table keeps
// it (as jsonb, which may reorder it), and the update's digest covers it.
func encodeEvents(events []account.Event) ([]byte, error) {
	return json.Marshal(events)
}

// decodeEvents reads the events of the update at rev, committed at nanos,
// strictly: each must carry that revision and commit time. It returns the
// events and their canonical form, to check the update's digest against.
func decodeEvents(name string, rev uint64, nanos int64, data []byte) ([]account.Event, []byte, error) {
	var events []account.Event
	if err := json.Unmarshal(data, &events); err != nil {
		return nil, nil, mismatch(name, rev, "events: %v", err)
	}
	if len(events) == 0 {
		return nil, nil, mismatch(name, rev, "no events")
	}
	at := time.Unix(0, nanos).UTC()
	for i, e := range events {
		if e.Revision != rev {
			return nil, nil, mismatch(name, rev, "events[%d] carries revision %d", i, e.Revision)
		}
		if !e.Time.Equal(at) {
			return nil, nil, mismatch(name, rev, "events[%d] carries time %s, the update's is %s", i, e.Time.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
		}
		events[i].Time = at
	}
	canonical, err := encodeEvents(events)
	if err != nil {
		return nil, nil, mismatch(name, rev, "events: %v", err)
	}
	return events, canonical, nil
}

// mismatch is an error wrapping [account.ErrMismatch] about the stored
// update at rev of the account name.
func mismatch(name string, rev uint64, format string, args ...any) error {
	return fmt.Errorf("postgres: account %q revision %d: %s: %w", name, rev, fmt.Sprintf(format, args...), account.ErrMismatch)
}
