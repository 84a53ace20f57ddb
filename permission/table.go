package permission

// A Row is one row of the permission table.
type Row struct {
	Action      Action `json:"action"`
	AllowedBy   Set    `json:"allowed_by"`  // the permissions any one of which allows Action
	Description string `json:"description"` // what Action lets a member do, in plain words
}

// Table returns the seven rows of the permission table in order, as a fresh
// slice. Docs, examples and other projects' tests can use it instead of
// typing the table again.
func Table() []Row {
	rows := make([]Row, 0, CreateTeams)
	for a := ViewTeams; a <= CreateTeams; a++ {
		rows = append(rows, Row{Action: a, AllowedBy: a.AllowedBy(), Description: a.Description()})
	}
	return rows
}
