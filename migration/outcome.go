package migration

import (
	"fmt"
	"strconv"

	"github.com/entaccess/entaccess/account"
)

// An Outcome is what happens to an organization when Enterprise Accounts
// become generally available. The zero value is no decision.
type Outcome uint8

// The three outcomes. Their values are stable.
const (
	NoChange  Outcome = 1 + iota // the organization took part in the public beta: nothing to do
	Automatic                    // an account is created automatically; see [Decision.Account]
	Manual                       // support must step in; see [Decision.Reasons] and [Decision.Banner]
)

var outcomeNames = [...]string{NoChange: "no-change", Automatic: "automatic", Manual: "manual"}

// Valid reports whether o is one of the three outcomes.
func (o Outcome) Valid() bool { return o >= NoChange && o <= Manual }

// String returns the name of o ("no-change", "automatic", "manual"). Any
// other value prints as "outcome(9)", which does not parse back.
func (o Outcome) String() string {
	if o.Valid() {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// ParseOutcome returns the outcome named text, the exact inverse of
// [Outcome.String] for the three outcomes. Any other text is an error
// wrapping [account.ErrInvalid].
func ParseOutcome(text string) (Outcome, error) {
	o, err := parseOutcome(text)
	if err != nil {
		return 0, fmt.Errorf("migration: parse outcome: %w", err)
	}
	return o, nil
}

// parseOutcome is ParseOutcome with an error that has no package prefix.
func parseOutcome(text string) (Outcome, error) {
	for o := NoChange; o <= Manual; o++ {
		if outcomeNames[o] == text {
			return o, nil
		}
	}
	return 0, fmt.Errorf("unknown outcome %q: %w", text, account.ErrInvalid)
}

// AppendText appends the name of o to b. Only the three outcomes have a text
// form; any other value is an error.
func (o Outcome) AppendText(b []byte) ([]byte, error) {
	if !o.Valid() {
		return b, fmt.Errorf("migration: marshal %s: not an outcome: %w", o, account.ErrInvalid)
	}
	return append(b, outcomeNames[o]...), nil
}

// MarshalText implements [encoding.TextMarshaler]: an Outcome is written as
// its name, in JSON as a string such as "automatic".
func (o Outcome) MarshalText() ([]byte, error) { return o.AppendText(nil) }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseOutcome].
func (o *Outcome) UnmarshalText(text []byte) error {
	v, err := ParseOutcome(string(text))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// A Reason is why an organization cannot be moved automatically. The zero
// value is no reason.
type Reason uint8

// The three reasons, in the order [Decision.Reasons] lists them. Their
// values are stable.
const (
	MultipleLicensedTeams Reason = 1 + iota // more than one team holds licenses
	NoUniversalAdmin                        // no user is admin of every team
	NoLicensedTeam                          // no team holds licenses: no main team to name the account after
)

var reasonInfo = [...]struct{ name, desc string }{
	{},
	MultipleLicensedTeams: {"multiple-licensed-teams",
		"more than one team holds licenses; keep the licenses on the one main team the account should be named after"},
	NoUniversalAdmin: {"no-universal-admin",
		"no user is admin of every team; make at least one user admin of every team"},
	NoLicensedTeam: {"no-licensed-team",
		"no team holds licenses, so there is no main team to name the account after; license the main team"},
}

// Valid reports whether r is one of the three reasons.
func (r Reason) Valid() bool { return r >= MultipleLicensedTeams && r <= NoLicensedTeam }

// String returns the name of r ("multiple-licensed-teams",
// "no-universal-admin", "no-licensed-team"). Any other value prints as
// "reason(9)", which does not parse back.
func (r Reason) String() string {
	if r.Valid() {
		return reasonInfo[r].name
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Description returns one sentence saying what is wrong and what to fix, or
// "" for a value that is not a reason. [Decision.Fixes] says the same with
// the organization's own teams and users.
func (r Reason) Description() string {
	if r.Valid() {
		return reasonInfo[r].desc
	}
	return ""
}

// ParseReason returns the reason named text, the exact inverse of
// [Reason.String] for the three reasons. Any other text is an error
// wrapping [account.ErrInvalid].
func ParseReason(text string) (Reason, error) {
	r, err := parseReason(text)
	if err != nil {
		return 0, fmt.Errorf("migration: parse reason: %w", err)
	}
	return r, nil
}

// parseReason is ParseReason with an error that has no package prefix.
func parseReason(text string) (Reason, error) {
	for r := MultipleLicensedTeams; r <= NoLicensedTeam; r++ {
		if reasonInfo[r].name == text {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown reason %q: %w", text, account.ErrInvalid)
}

// AppendText appends the name of r to b. Only the three reasons have a text
// form; any other value is an error.
func (r Reason) AppendText(b []byte) ([]byte, error) {
	if !r.Valid() {
		return b, fmt.Errorf("migration: marshal %s: not a reason: %w", r, account.ErrInvalid)
	}
	return append(b, reasonInfo[r].name...), nil
}

// MarshalText implements [encoding.TextMarshaler]: a Reason is written as
// its name, in JSON as a string such as "no-licensed-team".
func (r Reason) MarshalText() ([]byte, error) { return r.AppendText(nil) }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseReason].
func (r *Reason) UnmarshalText(text []byte) error {
	v, err := ParseReason(string(text))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
