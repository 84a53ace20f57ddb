package account

import (
	"context"
	"log/slog"
	"strconv"
	"time"
)

// An Op names one kind of [Tx] step. The zero Op is no operation.
type Op uint8

// The eight operations, in the order of the Tx methods. Their values are stable.
const (
	OpAddMember      Op = 1 + iota // Tx.AddMember
	OpSetPermissions               // Tx.SetPermissions
	OpRemoveMember                 // Tx.RemoveMember
	OpCreateTeam                   // Tx.CreateTeam
	OpRenameTeam                   // Tx.RenameTeam
	OpDeleteTeam                   // Tx.DeleteTeam
	OpSetTeamRole                  // Tx.SetTeamRole
	OpRemoveFromTeam               // Tx.RemoveFromTeam
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
}

// String returns the name of o, such as "add-member"; any other value
// prints as "op(42)".
func (o Op) String() string {
	if o >= OpAddMember && o <= OpRemoveFromTeam {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText implements [encoding.TextMarshaler] with [Op.String].
func (o Op) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// An Event records one committed step of an update, for audit logs.
//
// Before and After are the state of the target, in canonical text, before
// and after the step, "" meaning absent:
//   - AddMember, SetPermissions, RemoveMember: User's permission set, as in
//     "view,manage";
//   - CreateTeam, RenameTeam, DeleteTeam: the team's name; CreateTeam's
//     User is the actor, who became the team's admin;
//   - SetTeamRole, RemoveFromTeam: User's role in Team, as in "admin".
type Event struct {
	Revision uint64 // the revision the update committed as
	Actor    string // who took the step
	Op       Op
	Team     string // the team concerned, under its name before the step; "" for member steps
	User     string // the user concerned; "" for RenameTeam and DeleteTeam
	Before   string
	After    string
	// Time is when the update was committed, in UTC: the same for every
	// event of one update. The Store sets it; a durable store keeps it.
	Time time.Time
}

// LogValue implements [slog.LogValuer]: an Event logs as a group of its
// non-empty fields.
func (e Event) LogValue() slog.Value {
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
