package account

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/entaccess/entaccess/internal/strictjson"
)

// An Op names one kind of [Tx] step. The zero Op is no operation.
type Op uint8

// The ten operations, in the order of the Tx methods. Their values are
// stable: new operations are added at the end.
const (
	OpAddMember              Op = 1 + iota // Tx.AddMember
	OpSetPermissions                       // Tx.SetPermissions
	OpRemoveMember                         // Tx.RemoveMember
	OpCreateTeam                           // Tx.CreateTeam
	OpRenameTeam                           // Tx.RenameTeam
	OpDeleteTeam                           // Tx.DeleteTeam
	OpSetTeamRole                          // Tx.SetTeamRole
	OpRemoveFromTeam                       // Tx.RemoveFromTeam
	OpSetIdentityProvider                  // Tx.SetIdentityProvider
	OpRemoveIdentityProvider               // Tx.RemoveIdentityProvider
)

var opNames = [...]string{
	OpAddMember:      "add-member",
	OpSetPermissions: "set-permissions",
	OpRemoveMember:   "remove-member",
	OpCreateTeam:     "create-team",
	OpRenameTeam:     "rename-team",
	OpDeleteTeam:     "delete-team",
	OpSetTeamRole:    "set-team-role",
	OpRemoveFromTeam: "remove-from-team",

	OpSetIdentityProvider:    "set-identity-provider",
	OpRemoveIdentityProvider: "remove-identity-provider",
}

// valid reports whether o is one of the ten operations.
func (o Op) valid() bool { return o >= 1 && int(o) < len(opNames) }

// String returns the name of o, such as "add-member"; any other value
// prints as "op(42)", which does not parse back.
func (o Op) String() string {
	if o.valid() {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// ParseOp returns the operation named text, the exact inverse of
// [Op.String] for the ten operations. Any other text is an error
// wrapping [ErrInvalid].
func ParseOp(text string) (Op, error) {
	for o := Op(1); o.valid(); o++ {
		if opNames[o] == text {
			return o, nil
		}
	}
	if text == "" {
		return 0, fmt.Errorf("account: parse op: empty op name: %w", ErrInvalid)
	}
	return 0, fmt.Errorf("account: parse op: unknown op %q: %w", text, ErrInvalid)
}

// AppendText appends the name of o to b. Only the ten operations have a
// text form; any other value is an error.
func (o Op) AppendText(b []byte) ([]byte, error) {
	if !o.valid() {
		return b, fmt.Errorf("account: marshal %s: not an operation: %w", o, ErrInvalid)
	}
	return append(b, opNames[o]...), nil
}

// MarshalText implements [encoding.TextMarshaler]: an Op is written as its
// name, in JSON as a string such as "add-member".
func (o Op) MarshalText() ([]byte, error) { return o.AppendText(nil) }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseOp].
func (o *Op) UnmarshalText(text []byte) error {
	v, err := ParseOp(string(text))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// An Event records one committed step of an update, for audit logs.
//
// Before and After are the state of the target, in canonical text, before
// and after the step, "" meaning absent:
//   - AddMember, SetPermissions, RemoveMember: User's permission set, as in
//     "view,manage";
//   - CreateTeam, RenameTeam, DeleteTeam: the team's name; CreateTeam's
//     User is the actor, who became the team's admin;
//   - SetTeamRole, RemoveFromTeam: User's role in Team, as in "admin";
//   - SetIdentityProvider, RemoveIdentityProvider: the account's identity
//     provider as canonical JSON, certificate included, so that
//     [Account.Replay] rebuilds it exactly; Team and User are "".
//
// The whole certificate is kept for replay, not for reading: an audit log
// shows events through [Event.Redacted], which replaces it by its
// SHA-256 fingerprint, as [Event.LogValue] does.
//
// An Event's JSON form, for stores and audit logs that keep events as
// JSON, is an object with every field under its lower-case name, the Op as
// its name and the Time in RFC 3339 with nanoseconds:
//
//	{"revision":7,"actor":"ann","op":"set-team-role","team":"web","user":"bob",
//	 "before":"viewer","after":"admin","time":"2025-01-02T03:04:05.000000006Z"}
//
// Decoding is strict, as for a [Spec]: an unknown or repeated field, a
// value of the wrong type, an unknown op or a malformed time is an error,
// a [*PathError] naming the field and wrapping [ErrInvalid]. A missing
// field is left zero. Decoding checks form only; [Account.Replay] checks
// that events fit an account.
type Event struct {
	Revision uint64 `json:"revision"` // the revision the update committed as
	Actor    string `json:"actor"`    // who took the step
	Op       Op     `json:"op"`
	Team     string `json:"team"` // the team concerned, under its name before the step; "" for member and identity provider steps
	User     string `json:"user"` // the user concerned; "" for RenameTeam, DeleteTeam and the identity provider steps
	Before   string `json:"before"`
	After    string `json:"after"`
	// Time is when the update was committed, in UTC: the same for every
	// event of one update. The Store sets it; a durable store keeps it.
	Time time.Time `json:"time"`
}

// UnmarshalJSON decodes an Event strictly; see [Event].
func (e *Event) UnmarshalJSON(data []byte) error {
	var v Event
	str := func(name string, dst *string) strictjson.Field {
		return strictjson.Field{Name: name, Decode: func(b []byte) error { return decodeString(b, dst) }}
	}
	err := decodeObject(data,
		strictjson.Field{Name: "revision", Decode: func(b []byte) error { return decodeUint(b, &v.Revision) }},
		str("actor", &v.Actor),
		strictjson.Field{Name: "op", Decode: func(b []byte) error {
			var name string
			if err := decodeString(b, &name); err != nil {
				return err
			}
			o, err := ParseOp(name)
			if err != nil {
				return &PathError{Err: fmt.Errorf("unknown op %q: %w", name, ErrInvalid)}
			}
			v.Op = o
			return nil
		}},
		str("team", &v.Team),
		str("user", &v.User),
		str("before", &v.Before),
		str("after", &v.After),
		strictjson.Field{Name: "time", Decode: func(b []byte) error {
			var text string
			if err := decodeString(b, &text); err != nil {
				return err
			}
			t, err := time.Parse(time.RFC3339Nano, text)
			if err != nil {
				return &PathError{Err: fmt.Errorf("%q is not a time in RFC 3339: %w", text, ErrInvalid)}
			}
			v.Time = t.UTC()
			return nil
		}},
	)
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// Redacted returns e as an audit log shows it: for the identity provider
// steps, Before and After hold the identity provider with its certificate
// replaced by its SHA-256 fingerprint, under "certificate_sha256"; other
// events are returned unchanged. A redacted event does not replay.
func (e Event) Redacted() Event {
	if e.Op == OpSetIdentityProvider || e.Op == OpRemoveIdentityProvider {
		e.Before, e.After = redactIdentityProvider(e.Before), redactIdentityProvider(e.After)
	}
	return e
}

// LogValue implements [slog.LogValuer]: an Event logs as a group of its
// non-empty fields, redacted ([Event.Redacted]).
func (e Event) LogValue() slog.Value {
	e = e.Redacted()
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs,
		slog.Uint64("revision", e.Revision),
		slog.String("actor", e.Actor),
		slog.String("op", e.Op.String()))
	if e.Team != "" {
		attrs = append(attrs, slog.String("team", e.Team))
	}
	if e.User != "" {
		attrs = append(attrs, slog.String("user", e.User))
	}
	attrs = append(attrs, slog.String("before", e.Before), slog.String("after", e.After))
	return slog.GroupValue(attrs...)
}

// LogObserver returns an observer for [Store.SetObserver] that logs each
// event of a committed update to l, at level Info, with the message
// "account change" and the event's fields as attributes.
//
// A nil l means [slog.Default], looked up each time the observer logs, so
// that a later [slog.SetDefault] takes effect.
func LogObserver(l *slog.Logger) func([]Event) {
	return func(events []Event) {
		lg := l
		if lg == nil {
			lg = slog.Default()
		}
		for _, e := range events {
			lg.LogAttrs(context.Background(), slog.LevelInfo, "account change", e.LogValue().Group()...)
		}
	}
}
