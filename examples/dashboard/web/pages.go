package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	p.Flash = s.ses.takeFlash(ses.id)
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
	Token    string // the form's token, also in the login cookie
	Personas []Persona
}

// loginLife is how long a sign-in form stays valid.
const loginLife = 30 * time.Minute

// newLoginToken returns a token for the sign-in form: a random nonce and
// the time it expires, signed with the server's key.
func (s *Server) newLoginToken() string {
	nonce := make([]byte, 16)
	rand.Read(nonce) // never fails; see crypto/rand.Read
	msg := fmt.Sprintf("%x.%x", nonce, s.now().Add(loginLife).Unix())
	return msg + "." + s.sign(msg)
}

// validLoginToken reports whether token is one newLoginToken made and has
// not expired.
func (s *Server) validLoginToken(token string) bool {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || !hmac.Equal([]byte(token[i+1:]), []byte(s.sign(token[:i]))) {
		return false
	}
	_, exp, _ := strings.Cut(token[:i], ".")
	unix, err := strconv.ParseInt(exp, 16, 64)
	return err == nil && s.now().Unix() < unix
}

// sign returns the HMAC-SHA256 of msg under the server's key, in hex.
func (s *Server) sign(msg string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// loginCookie returns the name of the cookie that carries the sign-in
// form's token.
func (s *Server) loginCookie() string {
	if s.secure {
		return secureLoginCookie
	}
	return loginCookie
}

// login shows the demo sign-in form. Its token is also set in a cookie
// that only this host can set and read (SameSite=Strict): a sign-in must
// carry both, equal, and the token must be one this server made, less
// than loginLife ago, so that no other site can sign a browser in as a
// user of its choosing (login CSRF).
func (s *Server) login(w http.ResponseWriter, r *http.Request, ses session, signedIn bool) {
	s.loginPage(w, r, ses, signedIn, http.StatusOK, "")
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, ses session, signedIn bool, status int, msg string) {
	token := s.newLoginToken()
	http.SetCookie(w, &http.Cookie{
		Name:     s.loginCookie(),
		Value:    token,
		Path:     "/",
		MaxAge:   int(loginLife / time.Second),
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   s.secure,
	})
	s.render(w, r, status, "login", s.basePage(r, ses, signedIn, "Sign in (demo)", ""),
		loginData{Error: msg, Token: token, Personas: DemoPersonas()})
}

// signIn signs in as the user named in the form: POST /login with the
// fields user and token. For demonstration only: anyone can sign in as
// anyone. A user's earlier sessions in other browsers go on, up to
// maxSessionsPerUser; no one else's session ends.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, ses session, signedIn bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.loginPage(w, r, ses, signedIn, http.StatusBadRequest, "The form could not be read.")
		return
	}
	token := r.PostForm.Get("token")
	if !validToken(cookieValue(r, s.loginCookie()), token) || !s.validLoginToken(token) {
		s.loginPage(w, r, ses, signedIn, http.StatusForbidden, "The sign-in form has expired, or came from another site. Try again from this page.")
		return
	}
	user := r.PostForm.Get("user")
	// The account's own name rules: every member can sign in, and nothing
	// an account would refuse is taken as a user.
	if err := names.Check(user); err != nil {
		s.loginPage(w, r, ses, signedIn, http.StatusBadRequest, fmt.Sprintf("Not a user name: %v.", err))
		return
	}
	next, err := s.ses.start(user, s.now())
	if err != nil {
		s.loginPage(w, r, ses, signedIn, http.StatusServiceUnavailable, "Too many people are signed in. Try again later.")
		return
	}
	if signedIn {
		s.ses.end(ses.id)
	}
	http.SetCookie(w, &http.Cookie{Name: s.loginCookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure})
	s.setSessionCookie(w, next.id)
	s.logger.InfoContext(r.Context(), "dashboard: demo sign-in", "user", user)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout ends the session; it is a form, with the session's token.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, ses session, signedIn bool) {
	if signedIn {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil || !validToken(ses.csrf, r.PostForm.Get("csrf")) {
			s.fail(w, r, ses, http.StatusForbidden, "Form expired", "The form did not carry this session's token. Reload the page and try again.", "/")
			return
		}
		s.ses.end(ses.id)
	}
	s.setSessionCookie(w, "")
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
	p.Flash = s.ses.takeFlash(c.ses.id)
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
	// Since says since when, and through whose step, the member has held
	// Permissions, as in "since r17, set by alice on 2026-05-04 09:30
	// UTC"; "" if the history could not be read.
	Since string
}

// accessData is the content of the Access tab.
type accessData struct {
	Members   []memberView
	CanManage bool   // the change forms are shown: the user may manage users, and the table is the current one
	Revision  uint64 // the revision the table shows
	AsOf      string // the "as of" field as given; "" for the current account
	Preview   *previewView
}

// access shows the Access tab. ?at= shows the members as they were at a
// revision, or at the revision in force at a time (see parseAt), read
// from the backend's history, without the change forms.
func (s *Server) access(w http.ResponseWriter, r *http.Request, c *call) {
	a := c.acct
	asOf := r.URL.Query().Get("at")
	if asOf != "" {
		past, err := s.accountAt(r, asOf)
		if err != nil {
			s.failAt(w, r, c, err)
			return
		}
		a = past
	}
	d := accessView(c, a)
	s.addSince(r, &d)
	d.AsOf = asOf
	d.CanManage = d.CanManage && asOf == ""
	s.renderAccess(w, r, c, http.StatusOK, d)
}

// addSince fills in the Since of every member d shows, from one pass over
// the backend's history up to the revision d shows
// ([account.PermissionsSince]). If the history cannot be read, the page
// is shown without it, and the error is logged.
func (s *Server) addSince(r *http.Request, d *accessData) {
	set, start, err := account.PermissionsSince(r.Context(), s.backend, d.Revision)
	if err != nil {
		s.logger.WarnContext(r.Context(), "dashboard: since when members hold their permissions", "revision", d.Revision, "err", err)
		return
	}
	for i := range d.Members {
		m := &d.Members[i]
		e, ok := set[m.User]
		m.Since = sinceText(e, ok, start)
	}
}

// sinceText says since when a member has held their permissions: since e,
// the step that gave them, if ok, as in "since r17, set by alice on
// 2026-05-04 09:30 UTC"; else since the history began at start.
func sinceText(e account.Event, ok bool, start uint64) string {
	switch {
	case ok:
		verb := "set"
		if e.Op == account.OpAddMember {
			verb = "added"
		}
		text := fmt.Sprintf("since r%d, %s by %s", e.Revision, verb, e.Actor)
		if !e.Time.IsZero() {
			text += " on " + e.Time.UTC().Format("2006-01-02 15:04 UTC")
		}
		return text
	case start == 0:
		return "since the account was created"
	default:
		return fmt.Sprintf("since r%d, where the history begins", start)
	}
}

// accessView returns the Access tab's table for a, as c.user may change it.
func accessView(c *call, a *account.Account) accessData {
	d := accessData{CanManage: c.acct.Can(c.user, permission.ManageUsers), Revision: a.Revision()}
	for user, perms := range a.Members() {
		d.Members = append(d.Members, memberView{
			User:        user,
			Permissions: perms.String(),
			Billing:     perms.Has(permission.Billing),
			Manage:      perms.Has(permission.Manage),
			Create:      perms.Has(permission.Create),
		})
	}
	return d
}

func (s *Server) renderAccess(w http.ResponseWriter, r *http.Request, c *call, status int, d accessData) {
	p := s.basePage(r, c.ses, true, "Access", "/access")
	p.Flash = s.ses.takeFlash(c.ses.id)
	s.render(w, r, status, "access", p, d)
}

// errBadAt is wrapped by the errors of parseAt.
var errBadAt = errors.New("not a revision or a time")

// atLayouts are the time forms the "as of" field takes besides RFC 3339:
// those of a datetime-local input and a date, in UTC.
var atLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"}

// accountAt returns the account as of at: a revision, or a time (RFC
// 3339, or one of atLayouts in UTC), which stands for the revision in
// force then. A date stands for the end of that day.
func (s *Server) accountAt(r *http.Request, at string) (*account.Account, error) {
	rev, err := strconv.ParseUint(at, 10, 64)
	if err != nil {
		t, terr := time.Parse(time.RFC3339Nano, at)
		for _, layout := range atLayouts {
			if terr == nil {
				break
			}
			if t, terr = time.Parse(layout, at); terr == nil && layout == "2006-01-02" {
				t = t.Add(24*time.Hour - time.Nanosecond)
			}
		}
		if terr != nil {
			return nil, fmt.Errorf("%q is %w: give a revision such as 12, or a time such as 2026-05-04T09:30 (UTC) or 2026-05-04T09:30:00+02:00", at, errBadAt)
		}
		if rev, err = account.RevisionAt(r.Context(), s.backend, t); err != nil {
			return nil, err
		}
	}
	return s.backend.At(r.Context(), rev)
}

// failAt answers an error of accountAt.
func (s *Server) failAt(w http.ResponseWriter, r *http.Request, c *call, err error) {
	switch re, ok := errors.AsType[*account.RevisionError](err); {
	case errors.Is(err, errBadAt):
		s.fail(w, r, c.ses, http.StatusBadRequest, "Not a revision or a time", err.Error()+".", "/access")
	case ok:
		s.fail(w, r, c.ses, http.StatusNotFound, "No such revision", re.Error()+".", "/access")
	default:
		s.logger.ErrorContext(r.Context(), "dashboard: access as of", "at", r.URL.Query().Get("at"), "err", err)
		s.fail(w, r, c.ses, http.StatusInternalServerError, "History unavailable", "The account's history could not be read.", "/access")
	}
}

// settingsData is the content of the Settings tab.
type settingsData struct {
	Revision uint64
	SSO      *ssoView // nil when single sign-on is not set up
	Ops      []string // the kinds of step the audit log can be filtered by
}

// ssoView is the identity provider as the Settings tab shows it: its
// certificate described, not shown.
type ssoView struct {
	account.IdentityProvider
	Subject     string
	NotAfter    string // the certificate's expiry, in RFC 3339
	SHA256      string // the certificate's fingerprint
	Expired     bool
	ExpiresSoon bool // within 30 days
}

// expiryWarning is how long before its certificate expires the Settings
// tab warns about it.
const expiryWarning = 30 * 24 * time.Hour

func (s *Server) settings(w http.ResponseWriter, r *http.Request, c *call) {
	p := s.basePage(r, c.ses, true, "Settings", "/settings")
	p.Flash = s.ses.takeFlash(c.ses.id)
	d := settingsData{Revision: c.acct.Revision()}
	for op := account.OpAddMember; op <= account.OpRemoveIdentityProvider; op++ {
		d.Ops = append(d.Ops, op.String())
	}
	if idp, ok := c.acct.IdentityProvider(); ok {
		v := &ssoView{IdentityProvider: idp}
		if info, err := idp.CertificateInfo(); err == nil { // an account holds only certificates that parse
			now := s.now()
			v.Subject, v.NotAfter, v.SHA256 = info.Subject, info.NotAfter.Format(time.RFC3339), info.SHA256
			v.Expired = now.After(info.NotAfter)
			v.ExpiresSoon = !v.Expired && info.NotAfter.Sub(now) <= expiryWarning
		}
		d.SSO = v
	}
	s.render(w, r, http.StatusOK, "settings", p, d)
}

// auditFilter is the query of the audit log's download; a zero field
// does not filter.
type auditFilter struct {
	user         string
	op           account.Op
	since, until time.Time
}

// keep reports whether e passes f: taken by or concerning f.user, of kind
// f.op, committed at or after since and before until.
func (f auditFilter) keep(e account.Event) bool {
	return (f.user == "" || e.Actor == f.user || e.User == f.user) &&
		(f.op == 0 || e.Op == f.op) &&
		(f.since.IsZero() || !e.Time.Before(f.since)) &&
		(f.until.IsZero() || e.Time.Before(f.until))
}

// parseAuditFilter reads the audit log's query: user, op (a step such as
// add-member), since and until (RFC 3339, or a datetime-local value or a
// date, in UTC; a date is its midnight). An empty field does not filter.
func parseAuditFilter(q url.Values) (auditFilter, error) {
	f := auditFilter{user: q.Get("user")}
	if v := q.Get("op"); v != "" {
		op, err := account.ParseOp(v)
		if err != nil {
			return f, fmt.Errorf("action: %q is not a kind of change", v)
		}
		f.op = op
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.since}, {"until", &f.until}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		for _, layout := range atLayouts {
			if err == nil {
				break
			}
			t, err = time.Parse(layout, v)
		}
		if err != nil {
			return f, fmt.Errorf("%s: %q is not a time such as 2026-05-04T09:30 (UTC) or 2026-05-04T09:30:00+02:00", p.name, v)
		}
		*p.t = t
	}
	if !f.since.IsZero() && !f.until.IsZero() && f.until.Before(f.since) {
		return f, fmt.Errorf("until (%s) is before since (%s)", f.until.Format(time.RFC3339), f.since.Format(time.RFC3339))
	}
	return f, nil
}

// auditLog sends the account's history as JSON Lines, one committed step
// a line, oldest first, each line an [account.Event] in its JSON form.
// Identity providers are shown with their certificates' fingerprints
// ([account.Event.Redacted]). The query filters it; see parseAuditFilter.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, c *call) {
	f, err := parseAuditFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, c.ses, http.StatusBadRequest, "Not a valid filter", err.Error()+".", "/settings")
		return
	}
	var lines []byte
	for e, err := range s.backend.Events(r.Context(), 0) {
		if err != nil {
			s.logger.ErrorContext(r.Context(), "dashboard: audit log", "err", err)
			s.fail(w, r, c.ses, http.StatusInternalServerError, "Audit log unavailable", "The audit log could not be read.", "/settings")
			return
		}
		if !f.keep(e) {
			continue
		}
		b, err := json.Marshal(e.Redacted())
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
	p.Flash = s.ses.takeFlash(c.ses.id)
	s.render(w, r, http.StatusOK, "usage", p, usageRows(c.acct))
}

// usageCSV sends the usage table as CSV (RFC 4180), every cell quoted and
// made safe from spreadsheets; see csvRow.
func (s *Server) usageCSV(w http.ResponseWriter, r *http.Request, c *call) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(c.acct.Name()+"-usage.csv"))
	var b strings.Builder
	csvRow(&b, "team", "licensed", "dyno_hours", "addon_spend_usd")
	for _, u := range usageRows(c.acct) {
		csvRow(&b, u.Team, fmt.Sprint(u.Licensed), fmt.Sprint(u.DynoHours), u.AddonSpend())
	}
	w.Write([]byte(b.String()))
}

// csvRow writes one CSV record of cells to b, ending in CRLF. Every cell
// is quoted, so that no character in it, a ';' included, separates cells
// in a spreadsheet whatever its list separator, and a cell that a
// spreadsheet would read as a formula (one starting with '=', '+', '-',
// '@', a tab, a carriage return or a line feed) starts with a "'" instead,
// which shows it as text.
func csvRow(b *strings.Builder, cells ...string) {
	for i, cell := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		if cell != "" && strings.ContainsRune("=+-@\t\r\n", rune(cell[0])) {
			b.WriteByte('\'')
		}
		b.WriteString(strings.ReplaceAll(cell, `"`, `""`))
		b.WriteByte('"')
	}
	b.WriteString("\r\n")
}

// attachment returns a Content-Disposition header value for a download
// named name (RFC 6266, with the UTF-8 form for any name).
func attachment(name string) string {
	return "attachment; filename*=UTF-8''" + url.PathEscape(name)
}
