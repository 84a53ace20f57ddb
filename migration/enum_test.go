package migration_test

import (
	"encoding"
	"errors"
	"strconv"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

// An enum is what Outcome and Reason have in common, for one test of both.
type enum interface {
	comparable
	encoding.TextMarshaler
	String() string
	Valid() bool
}

// checkEnum enumerates every value of an 8-bit enumeration: the named ones
// print their name, parse back and round-trip through text; all others print
// as kind(n), do not parse, and do not marshal.
func checkEnum[E enum](t *testing.T, kind string, names []string, of func(uint8) E, parse func(string) (E, error), unmarshal func(*E, []byte) error) {
	t.Helper()
	for n := range 256 {
		v := of(uint8(n))
		named := n >= 1 && n <= len(names)
		if v.Valid() != named {
			t.Errorf("%s(%d).Valid() = %v, want %v", kind, n, v.Valid(), named)
		}
		want := kind + "(" + strconv.Itoa(n) + ")"
		if named {
			want = names[n-1]
		}
		if got := v.String(); got != want {
			t.Errorf("%s(%d).String() = %q, want %q", kind, n, got, want)
		}
		text, err := v.MarshalText()
		switch {
		case named && (err != nil || string(text) != want):
			t.Errorf("%s(%d).MarshalText() = %q, %v; want %q", kind, n, text, err, want)
		case !named && !errors.Is(err, account.ErrInvalid):
			t.Errorf("%s(%d).MarshalText() error = %v, want ErrInvalid", kind, n, err)
		}
		p, err := parse(want)
		switch {
		case named && (err != nil || p != v):
			t.Errorf("parse(%q) = %v, %v; want %v", want, p, err, v)
		case !named && !errors.Is(err, account.ErrInvalid):
			t.Errorf("parse(%q) error = %v, want ErrInvalid", want, err)
		}
		var u E
		err = unmarshal(&u, []byte(want))
		if named && (err != nil || u != v) {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", want, u, err, v)
		}
		if !named && err == nil {
			t.Errorf("UnmarshalText(%q) accepted", want)
		}
	}
	for _, bad := range []string{"", " ", names[0] + " ", "Automatic", "MANUAL", "no_change", "1"} {
		if v, err := parse(bad); !errors.Is(err, account.ErrInvalid) {
			t.Errorf("parse(%q) = %v, %v; want an error wrapping ErrInvalid", bad, v, err)
		}
	}
}

func TestOutcome(t *testing.T) {
	checkEnum(t, "outcome", []string{"no-change", "automatic", "manual"},
		func(n uint8) migration.Outcome { return migration.Outcome(n) }, migration.ParseOutcome,
		func(o *migration.Outcome, b []byte) error { return o.UnmarshalText(b) })
	if migration.NoChange != 1 || migration.Automatic != 2 || migration.Manual != 3 {
		t.Error("outcome values changed; they are stable")
	}
}

func TestReason(t *testing.T) {
	checkEnum(t, "reason", []string{"multiple-licensed-teams", "no-universal-admin", "no-licensed-team"},
		func(n uint8) migration.Reason { return migration.Reason(n) }, migration.ParseReason,
		func(r *migration.Reason, b []byte) error { return r.UnmarshalText(b) })
	if migration.MultipleLicensedTeams != 1 || migration.NoUniversalAdmin != 2 || migration.NoLicensedTeam != 3 {
		t.Error("reason values changed; they are stable")
	}
	for r := range migration.Reason(255) {
		if desc := r.Description(); (desc != "") != r.Valid() {
			t.Errorf("%s.Description() = %q", r, desc)
		}
	}
}
