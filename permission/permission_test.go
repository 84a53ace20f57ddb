package permission_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

// referenceTable is the documentation's table typed in again, as plainly as possible:
// for each action name, the letters of the permissions that allow it
// (V = view, B = billing, M = manage, C = create).
var referenceTable = []struct{ action, allowedBy string }{
	{"view-teams", "VBMC"},
	{"view-access", "VBMC"},
	{"manage-teams", "M"},
	{"manage-users", "M"},
	{"view-settings", "M"},
	{"view-usage", "B"},
	{"create-teams", "C"},
}

// referenceAllows answers from referenceTable alone, by bit position.
func referenceAllows(s uint8, a uint8) bool {
	if a < 1 || int(a) > len(referenceTable) {
		return false
	}
	row := referenceTable[a-1].allowedBy
	for i, letter := range "VBMC" {
		if s&(1<<i) != 0 && strings.ContainsRune(row, letter) {
			return true
		}
	}
	return false
}

// TestAllowsExhaustive checks every set value (including bits outside the
// table) against every action value (including 0 and those above the table).
func TestAllowsExhaustive(t *testing.T) {
	for s := range 256 {
		for a := range 256 {
			got := permission.Allows(permission.Set(s), permission.Action(a))
			if want := referenceAllows(uint8(s), uint8(a)); got != want {
				t.Errorf("Allows(%v, %v) = %v, want %v", permission.Set(s), permission.Action(a), got, want)
			}
		}
	}
}

func TestActionNamesMatchReference(t *testing.T) {
	var got []string
	for _, a := range permission.Actions() {
		got = append(got, a.String())
	}
	var want []string
	for _, r := range referenceTable {
		want = append(want, r.action)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("action names (-want +got):\n%s", diff)
	}
}

func TestConstantsAreStable(t *testing.T) {
	// These values get stored; changing one breaks every stored set.
	got := []uint8{uint8(permission.View), uint8(permission.Billing), uint8(permission.Manage), uint8(permission.Create), uint8(permission.Admin)}
	if diff := cmp.Diff([]uint8{1, 2, 4, 8, 15}, got); diff != "" {
		t.Errorf("permission values (-want +got):\n%s", diff)
	}
	var acts []uint8
	for _, a := range permission.Actions() {
		acts = append(acts, uint8(a))
	}
	if diff := cmp.Diff([]uint8{1, 2, 3, 4, 5, 6, 7}, acts); diff != "" {
		t.Errorf("action values (-want +got):\n%s", diff)
	}
}

func TestTable(t *testing.T) {
	rows := permission.Table()
	if len(rows) != len(referenceTable) {
		t.Fatalf("Table() has %d rows, want %d", len(rows), len(referenceTable))
	}
	seen := map[string]bool{}
	for i, r := range rows {
		if r.Action != permission.Action(i+1) {
			t.Errorf("row %d: action %v, want %v", i, r.Action, permission.Action(i+1))
		}
		if r.AllowedBy != r.Action.AllowedBy() {
			t.Errorf("row %d: AllowedBy %v, Action.AllowedBy() %v", i, r.AllowedBy, r.Action.AllowedBy())
		}
		for p := range permission.Admin.All() {
			if got, want := r.AllowedBy.Has(p), referenceAllows(uint8(p), uint8(r.Action)); got != want {
				t.Errorf("row %v: has %v = %v, want %v", r.Action, p, got, want)
			}
		}
		if r.Description == "" || seen[r.Description] {
			t.Errorf("row %v: description %q is empty or repeated", r.Action, r.Description)
		}
		seen[r.Description] = true
	}
	rows[0].AllowedBy = 0
	if permission.Table()[0].AllowedBy == 0 {
		t.Error("Table() shares its rows with the caller")
	}
}

func TestActionsIsFresh(t *testing.T) {
	a := permission.Actions()
	a[0] = 0
	if permission.Actions()[0] != permission.ViewTeams {
		t.Error("Actions() shares its slice with the caller")
	}
	p := permission.Permissions()
	p[0] = 0
	if diff := cmp.Diff([]permission.Set{permission.View, permission.Billing, permission.Manage, permission.Create}, permission.Permissions()); diff != "" {
		t.Errorf("Permissions() (-want +got):\n%s", diff)
	}
}

func TestSetString(t *testing.T) {
	tests := []struct {
		name string
		set  permission.Set
		want string
	}{
		{"empty", 0, ""},
		{"view", permission.View, "view"},
		{"billing", permission.Billing, "billing"},
		{"manage", permission.Manage, "manage"},
		{"create", permission.Create, "create"},
		{"table order", permission.Create | permission.View, "view,create"},
		{"admin", permission.Admin, "view,billing,manage,create"},
		{"outside bits only", 0x30, "set(0x30)"},
		{"mixed", permission.View | 0x80, "view,set(0x80)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.set.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got, _ := tt.set.AppendText([]byte("x=")); string(got) != "x="+tt.want {
				t.Errorf("AppendText = %q, want %q", got, "x="+tt.want)
			}
		})
	}
}

func TestSetRoundTripsExhaustive(t *testing.T) {
	for v := range 256 {
		s := permission.Set(v)
		parsed, err := permission.ParseSet(s.String())
		text, terr := s.MarshalText()
		js, jerr := json.Marshal(s)
		if !s.Valid() {
			if err == nil || terr == nil || jerr == nil {
				t.Errorf("set %#x outside the table: ParseSet(String) err=%v, MarshalText err=%v, MarshalJSON err=%v; want three errors", v, err, terr, jerr)
			}
			continue
		}
		if err != nil || parsed != s {
			t.Errorf("ParseSet(%q) = %v, %v; want %v", s.String(), parsed, err, s)
		}
		var fromText permission.Set
		if terr != nil || fromText.UnmarshalText(text) != nil || fromText != s {
			t.Errorf("text round trip of %v: %q, %v -> %v", s, text, terr, fromText)
		}
		var fromJSON permission.Set
		if jerr != nil || json.Unmarshal(js, &fromJSON) != nil || fromJSON != s {
			t.Errorf("JSON round trip of %v: %s, %v -> %v", s, js, jerr, fromJSON)
		}
		if s.Len() != len(slices.Collect(s.All())) {
			t.Errorf("%v: Len() = %d, All() yields %d", s, s.Len(), len(slices.Collect(s.All())))
		}
	}
}

func TestSetJSONForm(t *testing.T) {
	for _, tt := range []struct {
		set  permission.Set
		want string
	}{
		{0, `[]`},
		{permission.View | permission.Manage, `["view","manage"]`},
		{permission.Admin, `["view","billing","manage","create"]`},
	} {
		got, err := json.Marshal(tt.set)
		if err != nil || string(got) != tt.want {
			t.Errorf("json.Marshal(%v) = %s, %v; want %s", tt.set, got, err, tt.want)
		}
	}
}

func TestParseSetErrors(t *testing.T) {
	tests := []struct{ name, in, wantInMsg string }{
		{"unknown", "viewer", `unknown permission "viewer"`},
		{"capitalised", "View", `unknown permission "View"`},
		{"admin is not a permission", "admin", `unknown permission "admin" (the admin role is view,billing,manage,create)`},
		{"admin among permissions", "view,admin", `entry 1: unknown permission "admin" (the admin role is view,billing,manage,create)`},
		{"admin capitalised", "Admin", `unknown permission "Admin" (the admin role is view,billing,manage,create)`},
		{"leading space", " view", `unknown permission " view"`},
		{"space after comma", "view, billing", `unknown permission " billing"`},
		{"trailing comma", "view,", "empty permission name"},
		{"leading comma", ",view", "empty permission name"},
		{"double comma", "view,,billing", "empty permission name"},
		{"repeated", "view,billing,view", `"view" repeated`},
		{"outside bits form", "set(0x10)", `unknown permission "set(0x10)"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := permission.ParseSet(tt.in)
			if err == nil {
				t.Fatalf("ParseSet(%q) = %v, want an error", tt.in, s)
			}
			if !errors.Is(err, permission.ErrInvalid) || !strings.Contains(err.Error(), tt.wantInMsg) || !strings.HasPrefix(err.Error(), "permission: ") {
				t.Errorf("ParseSet(%q) error %q: want a permission: error wrapping ErrInvalid and containing %q", tt.in, err, tt.wantInMsg)
			}
			var dst = permission.Manage
			if dst.UnmarshalText([]byte(tt.in)) == nil || dst != permission.Manage {
				t.Errorf("UnmarshalText(%q) accepted it or changed the set to %v", tt.in, dst)
			}
		})
	}
}

// TestAdminHintOnlyForAdmin: only the name of the admin role, in any case,
// gets the hint that spells the role out; other unknown names do not.
func TestAdminHintOnlyForAdmin(t *testing.T) {
	for _, name := range []string{"admin", "Admin", "ADMIN", "owner", "administrator", "admins", " admin", "admin "} {
		_, err := permission.ParseSet(name)
		if err == nil {
			t.Fatalf("ParseSet(%q) accepted it", name)
		}
		want := strings.EqualFold(name, "admin")
		if got := strings.Contains(err.Error(), "the admin role is view,billing,manage,create"); got != want {
			t.Errorf("ParseSet(%q) = %q: hint %t, want %t", name, err, got, want)
		}
	}
}

func TestParseSetAcceptsAnyOrder(t *testing.T) {
	s, err := permission.ParseSet("create,view")
	if err != nil || s != permission.View|permission.Create {
		t.Errorf(`ParseSet("create,view") = %v, %v`, s, err)
	}
}

func TestSetUnmarshalJSONErrors(t *testing.T) {
	tests := []struct{ name, in, wantInMsg string }{
		{"null", `null`, "JSON array"},
		{"string", `"view"`, "JSON array"},
		{"object", `{}`, "JSON array"},
		{"number element", `[1]`, "set[0]: want a permission name"},
		{"null element", `["view",null]`, "set[1]: want a permission name"},
		{"unknown", `["view","owner"]`, `set[1]: unknown permission "owner"`},
		{"admin is not a permission", `["admin"]`, `set[0]: unknown permission "admin" (the admin role is view,billing,manage,create): invalid`},
		{"admin in capitals", `["view","ADMIN"]`, `set[1]: unknown permission "ADMIN" (the admin role is view,billing,manage,create)`},
		{"empty name", `[""]`, "set[0]: empty permission name"},
		{"repeated", `["manage","manage"]`, `set[1]: "manage" repeated`},
		{"comma list inside", `["view,billing"]`, `unknown permission "view,billing"`},
		{"not JSON", `[view]`, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := permission.Billing
			err := json.Unmarshal([]byte(tt.in), &dst)
			if err == nil {
				t.Fatalf("Unmarshal(%s) = %v, want an error", tt.in, dst)
			}
			if !errors.Is(err, permission.ErrInvalid) && tt.name != "not JSON" {
				t.Errorf("Unmarshal(%s) error %q does not wrap ErrInvalid", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("Unmarshal(%s) error %q, want it to contain %q", tt.in, err, tt.wantInMsg)
			}
			if dst != permission.Billing {
				t.Errorf("failed Unmarshal changed the set to %v", dst)
			}
		})
	}
}

func TestActionStringAndParse(t *testing.T) {
	for _, a := range permission.Actions() {
		got, err := permission.ParseAction(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAction(%q) = %v, %v; want %v", a.String(), got, err, a)
		}
		text, err := a.MarshalText()
		var back permission.Action
		if err != nil || back.UnmarshalText(text) != nil || back != a {
			t.Errorf("text round trip of %v: %q, %v -> %v", a, text, err, back)
		}
		if !a.Valid() || a.Description() == "" {
			t.Errorf("%v: Valid() = %v, Description() = %q", a, a.Valid(), a.Description())
		}
	}
	for _, a := range []permission.Action{0, 8, 42, 255} {
		want := "action(" + map[permission.Action]string{0: "0", 8: "8", 42: "42", 255: "255"}[a] + ")"
		if a.String() != want {
			t.Errorf("Action(%d).String() = %q, want %q", a, a.String(), want)
		}
		if _, err := permission.ParseAction(a.String()); !errors.Is(err, permission.ErrInvalid) {
			t.Errorf("ParseAction(%q) error = %v, want ErrInvalid", a.String(), err)
		}
		if _, err := a.MarshalText(); !errors.Is(err, permission.ErrInvalid) {
			t.Errorf("Action(%d).MarshalText() error = %v, want ErrInvalid", a, err)
		}
		if a.Valid() || a.Description() != "" || a.AllowedBy() != 0 {
			t.Errorf("Action(%d): Valid %v, Description %q, AllowedBy %v; want false, \"\", empty", a, a.Valid(), a.Description(), a.AllowedBy())
		}
	}
}

func TestParseActionErrors(t *testing.T) {
	for _, in := range []string{"", "View-Teams", "view_teams", " view-teams", "view-teams ", "action(1)", "1"} {
		a, err := permission.ParseAction(in)
		if err == nil || !errors.Is(err, permission.ErrInvalid) || !strings.HasPrefix(err.Error(), "permission: parse action") {
			t.Errorf("ParseAction(%q) = %v, %v; want a permission: parse action error wrapping ErrInvalid", in, a, err)
		}
	}
}

func TestActionJSON(t *testing.T) {
	type req struct {
		Action permission.Action `json:"action"`
	}
	b, err := json.Marshal(req{permission.ViewUsage})
	if err != nil || string(b) != `{"action":"view-usage"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	var r req
	if err := json.Unmarshal([]byte(`{"action":"manage-users"}`), &r); err != nil || r.Action != permission.ManageUsers {
		t.Errorf("Unmarshal = %v, %v", r.Action, err)
	}
	if err := json.Unmarshal([]byte(`{"action":"fly"}`), &r); !errors.Is(err, permission.ErrInvalid) {
		t.Errorf("Unmarshal of unknown action: err = %v, want ErrInvalid", err)
	}
	if _, err := json.Marshal(req{}); err == nil {
		t.Error("Marshal of the zero Action succeeded; want an error")
	}
}

func TestIteratorsStopEarly(t *testing.T) {
	var got []permission.Set
	for p := range permission.Admin.All() {
		got = append(got, p)
		if p == permission.Billing {
			break
		}
	}
	if diff := cmp.Diff([]permission.Set{permission.View, permission.Billing}, got); diff != "" {
		t.Errorf("All with break (-want +got):\n%s", diff)
	}
}

func TestMustParsePanicsOnBadInput(t *testing.T) {
	for name, f := range map[string]func(){
		"MustParseSet": func() { permission.MustParseSet("root") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic on bad input", name)
				}
			}()
			f()
		}()
	}
	if permission.MustParseSet("view,create") != permission.View|permission.Create {
		t.Error("MustParse… of valid input gave the wrong value")
	}
}

var sinkBool bool
var sinkString string

func TestChecksDoNotAllocate(t *testing.T) {
	s, a := permission.Billing|permission.View, permission.ViewUsage
	for name, f := range map[string]func(){
		"Allows":            func() { sinkBool = permission.Allows(s, a) },
		"Has":               func() { sinkBool = s.Has(permission.View) },
		"String of one":     func() { sinkString = permission.Manage.String() },
		"Action.String":     func() { sinkString = a.String() },
		"Action.AllowedBy":  func() { sinkBool = a.AllowedBy() != 0 },
		"ParseAction":       func() { _, _ = permission.ParseAction("view-usage") },
		"ParseSet of names": func() { _, _ = permission.ParseSet("view,billing") },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, n)
		}
	}
}

func TestErrorMessagesSayWhatIsWrong(t *testing.T) {
	if _, err := permission.ParseAction(""); err == nil || !strings.Contains(err.Error(), "empty name") {
		t.Errorf(`ParseAction("") error = %v, want it to mention the empty name`, err)
	}
	if _, err := permission.ParseAction("fly"); err == nil || !strings.Contains(err.Error(), `"fly": unknown action`) {
		t.Errorf(`ParseAction("fly") error = %v, want it to name "fly"`, err)
	}
	// Long JSON input is shortened in messages: 40 bytes, then an ellipsis.
	var s permission.Set
	exact := `"` + strings.Repeat("x", 38) + `"` // 40 bytes: kept whole
	if err := json.Unmarshal([]byte(exact), &s); err == nil || !strings.Contains(err.Error(), exact+":") {
		t.Errorf("error for 40-byte input = %v, want the input whole", err)
	}
	long := `"` + strings.Repeat("y", 39) + `"` // 41 bytes: shortened
	if err := json.Unmarshal([]byte(long), &s); err == nil || !strings.Contains(err.Error(), long[:40]+"…") || strings.Contains(err.Error(), long) {
		t.Errorf("error for 41-byte input = %v, want it cut to 40 bytes and …", err)
	}
}
