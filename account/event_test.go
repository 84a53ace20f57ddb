package account_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// TestOpText checks that the ten operations print, marshal and parse as
// one name each, and that any other value prints as op(N), which neither
// marshals nor parses.
func TestOpText(t *testing.T) {
	want := []string{"op(0)", "add-member", "set-permissions", "remove-member", "create-team", "rename-team", "delete-team", "set-team-role", "remove-from-team", "set-identity-provider", "remove-identity-provider", "op(11)"}
	for i, w := range want {
		o := account.Op(i)
		if o.String() != w {
			t.Errorf("Op(%d).String() = %q, want %q", i, o, w)
		}
		b, err := o.MarshalText()
		p, perr := account.ParseOp(w)
		var u account.Op
		uerr := u.UnmarshalText([]byte(w))
		valid := i >= 1 && i <= 10
		if valid && (err != nil || string(b) != w || perr != nil || p != o || uerr != nil || u != o) {
			t.Errorf("Op(%d): MarshalText %q, %v; ParseOp %v, %v; UnmarshalText %v, %v; want %q both ways", i, b, err, p, perr, u, uerr, w)
		}
		if !valid && (!errors.Is(err, account.ErrInvalid) || !errors.Is(perr, account.ErrInvalid) || !errors.Is(uerr, account.ErrInvalid) || u != 0) {
			t.Errorf("Op(%d): MarshalText %v, ParseOp %v, UnmarshalText %v; want ErrInvalid from each", i, err, perr, uerr)
		}
	}
	for _, text := range []string{"", "Add-Member", "add-member ", "addmember", "add_member"} {
		if _, err := account.ParseOp(text); !errors.Is(err, account.ErrInvalid) || !strings.HasPrefix(err.Error(), "account: parse op: ") {
			t.Errorf("ParseOp(%q): %v; want ErrInvalid with the package prefix", text, err)
		}
	}
}

// TestEventJSON checks that the events of real updates go through JSON
// and back unchanged, and what their JSON looks like.
func TestEventJSON(t *testing.T) {
	s := account.NewStore(mustNew(t, exampleSpec()))
	var events []account.Event
	s.SetObserver(func(evs []account.Event) { events = append(events, evs...) })
	update(t, s, func(tx *account.Tx) error {
		if err := tx.AddMember("alice", "dana", permission.Billing); err != nil {
			return err
		}
		if err := tx.CreateTeam("alice", "ops"); err != nil {
			return err
		}
		return tx.SetTeamRole("alice", "ops", "dana", account.RoleViewer)
	})
	update(t, s, func(tx *account.Tx) error { return tx.RemoveMember("alice", "dana") })
	if len(events) != 5 {
		t.Fatalf("%d events, want 5", len(events))
	}
	data, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	var got []account.Event
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("Unmarshal(%s): %v", data, err)
	}
	if diff := cmp.Diff(events, got); diff != "" {
		t.Errorf("events through JSON (-want +got):\n%s", diff)
	}

	e := account.Event{Revision: 7, Actor: "ann", Op: account.OpSetTeamRole, Team: "web", User: "bob", Before: "viewer", After: "admin",
		Time: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)}
	const want = `{"revision":7,"actor":"ann","op":"set-team-role","team":"web","user":"bob","before":"viewer","after":"admin","time":"2025-01-02T03:04:05.000000006Z"}`
	if b, err := json.Marshal(e); err != nil || string(b) != want {
		t.Errorf("Marshal = %s, %v; want %s", b, err, want)
	}
	if _, err := json.Marshal(account.Event{Op: 11}); err == nil {
		t.Error("Marshal of an event with Op 11 succeeded; want an error")
	}
}

// TestEventJSONStrict checks that malformed event JSON is an error naming
// the field, wrapping ErrInvalid, and leaves the destination alone.
func TestEventJSONStrict(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unknown field", `{"revision":1,"Revision":1}`, `unknown field "Revision"`},
		{"repeated field", `{"actor":"a","actor":"b"}`, `field "actor" repeated`},
		{"not an object", `[]`, `want a JSON object`},
		{"trailing data", `{} {}`, `want a JSON object`},
		{"unknown op", `{"op":"add-user"}`, `op: unknown op "add-user"`},
		{"op as a number", `{"op":1}`, `op: want a JSON string`},
		{"negative revision", `{"revision":-1}`, `revision: want a whole number`},
		{"fraction", `{"revision":1.5}`, `revision: want a whole number`},
		{"exponent", `{"revision":1e3}`, `revision: want a whole number`},
		{"leading zero", `{"revision":01}`, `want a JSON object`},
		{"revision as a string", `{"revision":"1"}`, `revision: want a whole number`},
		{"revision too large", `{"revision":18446744073709551616}`, `revision: want a whole number`},
		{"bad time", `{"time":"yesterday"}`, `time: "yesterday" is not a time in RFC 3339`},
		{"time as a number", `{"time":0}`, `time: want a JSON string`},
		{"user not UTF-8", "{\"user\":\"b\xffb\"}", `user: `},
		{"lone surrogate", `{"team":"\ud800"}`, `team: `},
		{"null actor", `{"actor":null}`, `actor: want a JSON string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := account.Event{Actor: "kept"}
			err := e.UnmarshalJSON([]byte(tt.in))
			var pe *account.PathError
			if !errors.Is(err, account.ErrInvalid) || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Unmarshal(%s): %v; want a *PathError wrapping ErrInvalid saying %q", tt.in, err, tt.want)
			}
			if e.Actor != "kept" {
				t.Errorf("Unmarshal(%s) changed the event to %+v", tt.in, e)
			}
		})
	}
	var e account.Event
	if err := json.Unmarshal([]byte(`{"revision":18446744073709551615,"time":"2025-01-02T04:04:05+01:00"}`), &e); err != nil ||
		e.Revision != 1<<64-1 || !e.Time.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) || e.Time.Location() != time.UTC {
		t.Errorf("Unmarshal: %+v, %v; want the largest revision and the time in UTC", e, err)
	}
}

// FuzzEventJSON checks that any JSON an Event accepts marshals back to
// JSON that decodes to the same Event.
func FuzzEventJSON(f *testing.F) {
	f.Add([]byte(`{"revision":7,"actor":"ann","op":"set-team-role","team":"web","user":"bob","before":"viewer","after":"admin","time":"2025-01-02T03:04:05.000000006Z"}`))
	f.Add([]byte(`{"op":"remove-member","time":"2025-01-02T04:04:05+01:00"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e account.Event
		if err := e.UnmarshalJSON(data); err != nil {
			if !errors.Is(err, account.ErrInvalid) {
				t.Fatalf("Unmarshal(%q): %v, not wrapping ErrInvalid", data, err)
			}
			return
		}
		if e.Op == 0 { // a missing op stays zero, which has no text form
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			if e.Time.Year() > 9999 || e.Time.Year() < 0 { // outside what RFC 3339 can write
				return
			}
			t.Fatalf("Marshal(%+v): %v", e, err)
		}
		var again account.Event
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("Unmarshal(Marshal(%+v)) = %v", e, err)
		}
		if !cmp.Equal(e, again) {
			t.Fatalf("round trip (-first +again):\n%s", cmp.Diff(e, again))
		}
	})
}

// TestParseOpErrorText: an empty name and an unknown one are told apart
// in the error, which quotes the unknown name.
func TestParseOpErrorText(t *testing.T) {
	for text, want := range map[string]string{
		"":       "account: parse op: empty op name: invalid",
		"rename": `account: parse op: unknown op "rename": invalid`,
	} {
		if _, err := account.ParseOp(text); err == nil || err.Error() != want {
			t.Errorf("ParseOp(%q): %v; want %q", text, err, want)
		}
	}
}
