package migration

import (
	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/strictjson"
)

// An Organization is a company's Enterprise Teams before Enterprise Accounts
// become generally available: the input of [Classify].
//
// Its JSON form is {"name": ..., "public_beta": true|false, "teams": [...]},
// each team as in [account.Team]. Decoding is strict and checks everything
// Classify checks: an unknown field, a value of the wrong JSON type, an
// unknown role, a name that breaks the rules, a repeated name or an input
// beyond the limits (see the package documentation) is an error that names
// the entry (teams[1].members[0].role), for which errors.As finds an
// [*account.PathError] and errors.Is finds [account.ErrInvalid]. So an
// Organization that decodes is one Classify accepts. An array longer than
// its limit is rejected before any of its elements is decoded.
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
	v, err := decodeOrganization(data, defaultLimits())
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// decodeOrganization decodes an Organization within lim. Each team is
// decoded by [account.Team.UnmarshalJSON], which rejects a roster longer
// than an account allows before decoding its members.
func decodeOrganization(data []byte, lim limits) (Organization, error) {
	var v Organization
	err := decodeObject(data,
		strictjson.Field{Name: "name", Decode: func(b []byte) error { return decodeString(b, &v.Name) }},
		strictjson.Field{Name: "public_beta", Decode: func(b []byte) error { return decodeBool(b, &v.PublicBeta) }},
		strictjson.Field{Name: "teams", Decode: func(b []byte) error {
			return decodeArray(b, &v.Teams, lim.teams, func(b []byte, t *account.Team) error { return t.UnmarshalJSON(b) })
		}},
	)
	if err == nil {
		// The rules on names, repetitions and sizes, by the code that
		// applies them in Classify, so that both name the same entry.
		_, err = scan(&v, lim)
	}
	if err != nil {
		op := "decode organization"
		if v.Name != "" { // decoded first, so known for errors in the teams
			op += " " + quoteShort(v.Name)
		}
		return Organization{}, opError(op, err)
	}
	return v, nil
}
