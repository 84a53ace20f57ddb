package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/entaccess/entaccess/account"
)

// A storedEvent is one event of an update as the updates table keeps it;
// the revision and time are the row's.
type storedEvent struct {
	Actor  string `json:"actor"`
	Op     string `json:"op"`
	Team   string `json:"team,omitempty"`
	User   string `json:"user,omitempty"`
	Before string `json:"before"`
	After  string `json:"after"`
}

func encodeEvents(events []account.Event) ([]byte, error) {
	out := make([]storedEvent, len(events))
	for i, e := range events {
		out[i] = storedEvent{Actor: e.Actor, Op: e.Op.String(), Team: e.Team, User: e.User, Before: e.Before, After: e.After}
	}
	return json.Marshal(out)
}

// opByName maps each operation's name back to it.
var opByName = func() map[string]account.Op {
	m := make(map[string]account.Op)
	for o := account.Op(1); o != 0; o++ {
		name := o.String()
		if name == fmt.Sprintf("op(%d)", o) {
			break
		}
		m[name] = o
	}
	return m
}()

// decodeEvents reads the events of the update at rev, committed at t.
func decodeEvents(name string, rev uint64, t time.Time, data []byte) ([]account.Event, error) {
	var stored []storedEvent
	if err := json.Unmarshal(data, &stored); err != nil {
		return nil, fmt.Errorf("postgres: account %q revision %d: events: %v: %w", name, rev, err, account.ErrMismatch)
	}
	if len(stored) == 0 {
		return nil, fmt.Errorf("postgres: account %q revision %d: no events: %w", name, rev, account.ErrMismatch)
	}
	events := make([]account.Event, len(stored))
	for i, e := range stored {
		op, ok := opByName[e.Op]
		if !ok {
			return nil, fmt.Errorf("postgres: account %q revision %d: events[%d]: unknown op %q: %w", name, rev, i, e.Op, account.ErrMismatch)
		}
		events[i] = account.Event{Revision: rev, Actor: e.Actor, Op: op, Team: e.Team, User: e.User, Before: e.Before, After: e.After, Time: t.UTC()}
	}
	return events, nil
}
