package migration

import "github.com/entaccess/entaccess/account"

// An Organization is a company's Enterprise Teams before Enterprise Accounts
// become generally available: the input of [Classify].
//
// Its JSON form is {"name": ..., "public_beta": true|false, "teams": [...]},
// each team as in [account.Team]. Decoding is strict: an unknown field, a
// value of the wrong JSON type or an unknown role is an error that names the
// entry (teams[1].members[0].role), for which errors.As finds an
// [*account.PathError] and errors.Is finds [account.ErrInvalid]. Decoding
// checks form only; [Classify] checks meaning (empty or repeated names).
type Organization struct {
	Name       string         `json:"name"`
	PublicBeta bool           `json:"public_beta"` // took part in the Enterprise Accounts public beta
	Teams      []account.Team `json:"teams"`
}

// Clone returns a deep copy of o: changing the copy never changes o.
func (o Organization) Clone() Organization {
	if o.Teams != nil {
		teams := make([]account.Team, len(o.Teams))
		for i, t := range o.Teams {
			teams[i] = t.Clone()
		}
		o.Teams = teams
	}
	return o
}

// UnmarshalJSON decodes an Organization strictly; see [Organization]. On
// error o is left unchanged.
func (o *Organization) UnmarshalJSON(data []byte) error {
	var v Organization
	pe := decodeObject(data,
		field{"name", func(b []byte) error { return decodeString(b, &v.Name) }},
		field{"public_beta", func(b []byte) error { return decodeBool(b, &v.PublicBeta) }},
		field{"teams", func(b []byte) error {
			return decodeArray(b, &v.Teams, func(b []byte, t *account.Team) error { return t.UnmarshalJSON(b) })
		}},
	)
	if pe != nil {
		return &pathError{op: "decode organization", err: pe}
	}
	*o = v
	return nil
}
