package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// homeData is the content of the home page.
type homeData struct {
	Account  string
	Member   bool
	Holds    string
	Personas []Persona
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, ses session, signedIn bool) {
	p := s.basePage(r, ses, signedIn, "Dashboard", "")
	p.Flash = s.ses.takeFlash(r)
	acct := s.store.Load()
	d := homeData{Account: acct.Name(), Personas: DemoPersonas()}
	if signedIn {
		if perms, ok := acct.Permissions(ses.user); ok {
			d.Member = true
			d.Holds = perms.String()
		}
	}
	s.render(w, r, http.StatusOK, "home", p, d)
}

// loginData is the content of the sign-in page.
type loginData struct {
	Error    string
	Personas []Persona
}

// login signs in as the user named by the query's user parameter, or shows
// the sign-in page when there is none. For demonstration only: anyone can
// sign in as anyone.
func (s *Server) login(w http.ResponseWriter, r *http.Request, ses session, signedIn bool) {
	q := r.URL.Query()
	if !q.Has("user") {
		s.render(w, r, http.StatusOK, "login", s.basePage(r, ses, signedIn, "Sign in (demo)", ""), loginData{Personas: DemoPersonas()})
		return
	}
	user := q.Get("user")
	// The account's own name rules: every member can sign in, and nothing
	// an account would refuse is taken as a user.
	if err := names.Check(user); err != nil {
		s.render(w, r, http.StatusBadRequest, "login", s.basePage(r, ses, signedIn, "Sign in (demo)", ""),
			loginData{Error: fmt.Sprintf("Not a user name: %v.", err), Personas: DemoPersonas()})
		return
	}
	s.ses.end(r)
	id := s.ses.start(user, s.now())
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    id,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   r.TLS != nil,
	})
	s.logger.InfoContext(r.Context(), "dashboard: demo sign-in", "user", user)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout ends the session; it is a form, with the session's token.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, ses session, signedIn bool) {
	if signedIn {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil || !validToken(ses, r.PostForm.Get("csrf")) {
			s.fail(w, r, ses, http.StatusForbidden, "Form expired", "The form did not carry this session's token. Reload the page and try again.", "/")
			return
		}
		s.ses.end(r)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) migration(w http.ResponseWriter, r *http.Request, ses session) {
	p := s.basePage(r, ses, true, "Organizations", "")
	s.render(w, r, http.StatusOK, "migration", p, statuses(s.orgs, ses.user))
}

// teamView is one of the user's teams on the Teams tab.
type teamView struct {
	Name        string
	Licensed    bool
	Role        string
	Members     []account.TeamMember
	ManageRoles bool // the user may set and remove roles in this team
}

// teamsData is the content of the Teams tab.
type teamsData struct {
	Teams     []teamView
	CanCreate bool
	Roles     []string
}

func (s *Server) teams(w http.ResponseWriter, r *http.Request, c *call) {
	p := s.basePage(r, c.ses, true, "My Teams", "/teams")
	p.Flash = s.ses.takeFlash(r)
	d := teamsData{CanCreate: c.acct.Can(c.user, permission.CreateTeams)}
	for _, role := range []account.Role{account.RoleAdmin, account.RoleMember, account.RoleViewer, account.RoleCollaborator} {
		d.Roles = append(d.Roles, role.String())
	}
	manageTeams := c.acct.Can(c.user, permission.ManageTeams)
	for _, name := range c.acct.TeamsOf(c.user) {
		t, _ := c.acct.Team(name)
		role, _ := c.acct.Role(name, c.user)
		d.Teams = append(d.Teams, teamView{
			Name:        name,
			Licensed:    t.Licensed,
			Role:        role.String(),
			Members:     t.Members,
			ManageRoles: manageTeams || role == account.RoleAdmin,
		})
	}
	s.render(w, r, http.StatusOK, "teams", p, d)
}

// memberView is one account member on the Access tab.
type memberView struct {
	User                    string
	Permissions             string
	Billing, Manage, Create bool
}

// accessData is the content of the Access tab.
type accessData struct {
	Members   []memberView
	CanManage bool
}

func (s *Server) access(w http.ResponseWriter, r *http.Request, c *call) {
	p := s.basePage(r, c.ses, true, "Access", "/access")
	p.Flash = s.ses.takeFlash(r)
	d := accessData{CanManage: c.acct.Can(c.user, permission.ManageUsers)}
	for user, perms := range c.acct.Members() {
		d.Members = append(d.Members, memberView{
			User:        user,
			Permissions: perms.String(),
			Billing:     perms.Has(permission.Billing),
			Manage:      perms.Has(permission.Manage),
			Create:      perms.Has(permission.Create),
		})
	}
	s.render(w, r, http.StatusOK, "access", p, d)
}

// settingsData is the content of the Settings tab.
type settingsData struct {
	Revision uint64
}

func (s *Server) settings(w http.ResponseWriter, r *http.Request, c *call) {
	p := s.basePage(r, c.ses, true, "Settings", "/settings")
	p.Flash = s.ses.takeFlash(r)
	s.render(w, r, http.StatusOK, "settings", p, settingsData{Revision: c.acct.Revision()})
}

// auditRecord is one line of the audit log: one committed step.
type auditRecord struct {
	Revision uint64    `json:"revision"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"`
	Op       string    `json:"op"`
	Team     string    `json:"team,omitempty"`
	User     string    `json:"user,omitempty"`
	Before   string    `json:"before,omitempty"`
	After    string    `json:"after,omitempty"`
}

// auditLog sends the account's history as JSON Lines, one committed step
// a line, oldest first.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, c *call) {
	var lines []byte
	for e, err := range s.backend.Events(r.Context(), 0) {
		if err != nil {
			s.logger.ErrorContext(r.Context(), "dashboard: audit log", "err", err)
			s.fail(w, r, c.ses, http.StatusInternalServerError, "Audit log unavailable", "The audit log could not be read.", "/settings")
			return
		}
		b, err := json.Marshal(auditRecord{
			Revision: e.Revision, Time: e.Time, Actor: e.Actor, Op: e.Op.String(),
			Team: e.Team, User: e.User, Before: e.Before, After: e.After,
		})
		if err != nil {
			s.fail(w, r, c.ses, http.StatusInternalServerError, "Audit log unavailable", err.Error(), "/settings")
			return
		}
		lines = append(append(lines, b...), '\n')
	}
	w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(c.acct.Name()+"-audit-log.jsonl"))
	w.Write(lines)
}

// usageRow is one line of the usage table: made-up numbers, derived from
// the team's name so that they stay the same from one request to the next.
type usageRow struct {
	Team       string
	Licensed   bool
	DynoHours  uint32
	AddonCents uint32
}

// AddonSpend returns the add-on spend in dollars, as text.
func (u usageRow) AddonSpend() string {
	return fmt.Sprintf("%d.%02d", u.AddonCents/100, u.AddonCents%100)
}

func usageRows(a *account.Account) []usageRow {
	var rows []usageRow
	for t := range a.Teams() {
		h := fnv.New32a()
		h.Write([]byte(t.Name))
		sum := h.Sum32()
		rows = append(rows, usageRow{Team: t.Name, Licensed: t.Licensed, DynoHours: 100 + sum%5000, AddonCents: (sum >> 8) % 100000})
	}
	return rows
}

func (s *Server) usage(w http.ResponseWriter, r *http.Request, c *call) {
	p := s.basePage(r, c.ses, true, "Usage", "/usage")
	p.Flash = s.ses.takeFlash(r)
	s.render(w, r, http.StatusOK, "usage", p, usageRows(c.acct))
}

// usageCSV sends the usage table as CSV.
func (s *Server) usageCSV(w http.ResponseWriter, r *http.Request, c *call) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(c.acct.Name()+"-usage.csv"))
	cw := csv.NewWriter(w)
	cw.Write([]string{"team", "licensed", "dyno_hours", "addon_spend_usd"})
	for _, u := range usageRows(c.acct) {
		cw.Write([]string{csvSafe(u.Team), fmt.Sprint(u.Licensed), fmt.Sprint(u.DynoHours), u.AddonSpend()})
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a team name as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// attachment returns a Content-Disposition header value for a download
// named name (RFC 6266, with the UTF-8 form for any name).
func attachment(name string) string {
	return "attachment; filename*=UTF-8''" + url.PathEscape(name)
}
