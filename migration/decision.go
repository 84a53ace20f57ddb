package migration

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/strictjson"
	"github.com/entaccess/entaccess/permission"
)

// A Decision is what [Classify] decided for one organization, and why:
// its move to an Enterprise Account. (An [account.Decision] is something
// else, the answer to one permission check.)
//
// Its JSON form is {"outcome": ..., "reasons": [...], "account": {...},
// "banner": [...], "licensed_teams": [...], "admins": [...],
// "teams_without_admin": [...]}: outcome is always written, every other
// field only when it is not empty. Outcomes and reasons are written as
// their names. Decoding is strict, and a Decision that Classify returned
// decodes back to an equal one (empty fields are nil, never empty slices;
// an empty JSON list decodes as nil too, so that every decoded Decision
// survives a round trip).
type Decision struct {
	Outcome Outcome       `json:"outcome"`
	Reasons []Reason      `json:"reasons,omitempty"` // Manual only: every reason that applies, ascending, no repeats
	Account *account.Spec `json:"account,omitempty"` // Automatic only: the account to create
	Banner  []string      `json:"banner,omitempty"`  // Manual only: users shown the "contact support" banner, sorted

	// The details support needs to fix a Manual case, as data.

	// Manual only: every team holding licenses, sorted; more than one
	// for [MultipleLicensedTeams], none for [NoLicensedTeam].
	LicensedTeams []string `json:"licensed_teams,omitempty"`
	// Manual with [NoUniversalAdmin] only: every user who is admin of
	// some team, sorted by user, with the teams they are admin of.
	Admins []AdminOf `json:"admins,omitempty"`
	// Manual with [NoUniversalAdmin] only: the teams no one is admin of,
	// sorted.
	TeamsWithoutAdmin []string `json:"teams_without_admin,omitempty"`
}

// An AdminOf is one user and the teams they are admin of, sorted.
type AdminOf struct {
	User  string   `json:"user"`
	Teams []string `json:"teams"`
}

// String returns one line a support engineer can read: the outcome and,
// by outcome, the account to create, or each reason with what to fix and
// who sees the banner. Long lists are cut short; the Decision holds them
// in full.
func (d Decision) String() string {
	var b strings.Builder
	switch d.Outcome {
	case NoChange:
		return "no-change: the organization took part in the public beta; no action needed"
	case Automatic:
		b.WriteString("automatic: ")
		if d.Account == nil {
			b.WriteString("no account")
			return b.String()
		}
		var admins []string
		for _, m := range d.Account.Members {
			if m.Permissions.Has(permission.Admin) {
				admins = append(admins, m.User)
			}
		}
		b.WriteString("create account " + strconv.Quote(d.Account.Name) + " with " +
			count(len(d.Account.Teams), "team") + " and " + count(len(d.Account.Members), "member") +
			"; account admins: " + list(admins, maxListed))
	case Manual:
		b.WriteString("manual: ")
		for i, e := range d.Fixes() {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(e)
		}
		if len(d.Reasons) > 0 {
			b.WriteString("; ")
		}
		if len(d.Banner) == 0 {
			b.WriteString("no user sees the contact-support banner")
		} else {
			b.WriteString("contact-support banner shown to " + count(len(d.Banner), "user") + " (" + list(d.Banner, maxListed) + ")")
		}
	default:
		return "no decision (" + d.Outcome.String() + ")"
	}
	return b.String()
}

// Fixes returns, for each of d.Reasons in order, one sentence saying
// what is wrong in this organization and what to fix, naming its teams
// and users from the Decision's details. (It was called Explain, a name
// it no longer shares with [account.Account.Explain], which answers a
// permission check.)
func (d Decision) Fixes() []string {
	out := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		switch r {
		case MultipleLicensedTeams:
			out = append(out, count(len(d.LicensedTeams), "team")+" hold licenses ("+list(d.LicensedTeams, maxListed)+
				"): keep the licenses on the one main team the account should be named after")
		case NoUniversalAdmin:
			out = append(out, "no user is admin of every team ("+d.adminSummary()+
				"): make at least one user admin of every team")
		case NoLicensedTeam:
			out = append(out, "no team holds licenses, so there is no main team to name the account after: license the main team")
		default:
			out = append(out, r.String())
		}
	}
	return out
}

// adminSummary says who is admin of which teams and which teams have none.
func (d Decision) adminSummary() string {
	var parts []string
	for i, a := range d.Admins {
		if i == maxListed {
			parts = append(parts, "and "+count(len(d.Admins)-maxListed, "more admin"))
			break
		}
		parts = append(parts, show(a.User)+" is admin of "+list(a.Teams, maxListed))
	}
	if len(d.TeamsWithoutAdmin) > 0 {
		parts = append(parts, "no one is admin of "+list(d.TeamsWithoutAdmin, maxListed))
	}
	if len(parts) == 0 {
		return "there are no teams"
	}
	return strings.Join(parts, "; ")
}

// maxListed is how many names String and Fixes list before "and N more".
const maxListed = 5

// list joins names with commas, listing at most max of them.
func list(names []string, max int) string {
	if len(names) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, name := range names[:min(max, len(names))] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(show(name))
	}
	if len(names) > max {
		b.WriteString(" and " + strconv.Itoa(len(names)-max) + " more")
	}
	return b.String()
}

// show returns name as it is when it reads unambiguously in a list, and
// quoted when it is empty or holds spaces, punctuation used by the lists,
// quotes or characters that do not print (a newline would break the line).
func show(name string) string {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool {
		return !unicode.IsGraphic(r) || unicode.IsSpace(r) || strings.ContainsRune(",;()\"\\", r)
	}) {
		return strconv.Quote(name)
	}
	return name
}

// count returns "1 team", "3 teams".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// UnmarshalJSON decodes a Decision strictly: an unknown field, a value of
// the wrong JSON type, an unknown outcome or reason, a missing outcome,
// reasons out of order or repeated, a user or team name that breaks the
// rules of names, or a list longer than the limits (see the package
// documentation) is an error naming the entry (reasons[1]). It does not
// check that the fields fit the outcome, nor the account plan beyond what
// [account.Spec.UnmarshalJSON] checks. On error d is left unchanged.
func (d *Decision) UnmarshalJSON(data []byte) error {
	v, err := decodeDecision(data, defaultLimits())
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// decodeDecision decodes a Decision whose lists are within lim.
func decodeDecision(data []byte, lim limits) (Decision, error) {
	var v Decision
	hasOutcome := false
	err := decodeObject(data,
		strictjson.Field{Name: "outcome", Decode: func(b []byte) error {
			hasOutcome = true
			return decodeName(parseOutcome)(b, &v.Outcome)
		}},
		strictjson.Field{Name: "reasons", Decode: func(b []byte) error {
			if err := decodeArray(b, &v.Reasons, int(NoLicensedTeam), decodeName(parseReason)); err != nil {
				return err
			}
			for i := 1; i < len(v.Reasons); i++ {
				if v.Reasons[i] <= v.Reasons[i-1] {
					return invalidAt("["+strconv.Itoa(i)+"]", "%s after %s: reasons are listed once each, in order", v.Reasons[i], v.Reasons[i-1])
				}
			}
			return nil
		}},
		strictjson.Field{Name: "account", Decode: func(b []byte) error {
			if string(b) == "null" {
				return nil
			}
			v.Account = new(account.Spec)
			return v.Account.UnmarshalJSON(b)
		}},
		strictjson.Field{Name: "banner", Decode: func(b []byte) error { return decodeArray(b, &v.Banner, lim.users, decodeNamed("user")) }},
		strictjson.Field{Name: "licensed_teams", Decode: func(b []byte) error {
			return decodeArray(b, &v.LicensedTeams, lim.teams, decodeNamed("team name"))
		}},
		strictjson.Field{Name: "admins", Decode: func(b []byte) error {
			return decodeArray(b, &v.Admins, lim.users, func(b []byte, a *AdminOf) error { return a.decode(b, lim) })
		}},
		strictjson.Field{Name: "teams_without_admin", Decode: func(b []byte) error {
			return decodeArray(b, &v.TeamsWithoutAdmin, lim.teams, decodeNamed("team name"))
		}},
	)
	if err == nil && !hasOutcome {
		err = invalidAt("outcome", "missing")
	}
	// An empty list is written as nothing, so it decodes as none: the
	// result then survives a JSON round trip.
	v.Reasons = nilIfEmpty(v.Reasons)
	v.Banner = nilIfEmpty(v.Banner)
	v.LicensedTeams = nilIfEmpty(v.LicensedTeams)
	v.Admins = nilIfEmpty(v.Admins)
	v.TeamsWithoutAdmin = nilIfEmpty(v.TeamsWithoutAdmin)
	if err != nil {
		return Decision{}, opError("decode decision", err)
	}
	return v, nil
}

// nilIfEmpty returns s, or nil when s is empty.
func nilIfEmpty[E any](s []E) []E {
	if len(s) == 0 {
		return nil
	}
	return s
}

// UnmarshalJSON decodes an AdminOf strictly, as [Decision.UnmarshalJSON] does.
func (a *AdminOf) UnmarshalJSON(data []byte) error {
	var v AdminOf
	if err := v.decode(data, defaultLimits()); err != nil {
		return opError("decode admin", err)
	}
	*a = v
	return nil
}

// decode decodes an AdminOf whose teams are within lim.
func (a *AdminOf) decode(data []byte, lim limits) error {
	return decodeObject(data,
		strictjson.Field{Name: "user", Decode: func(b []byte) error { return decodeNamed("user")(b, &a.User) }},
		strictjson.Field{Name: "teams", Decode: func(b []byte) error { return decodeArray(b, &a.Teams, lim.teams, decodeNamed("team name")) }},
	)
}
