package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// Config is what a [Server] serves.
type Config struct {
	// Backend holds the account and its history. Required.
	Backend Backend
	// Orgs are the organizations whose move to Enterprise Accounts the
	// dashboard shows to their users; classified by [New].
	Orgs []migration.Organization
	// Logger receives one line per refused or failed request; nil means
	// slog.Default.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// A Server is the dashboard, an [http.Handler].
type Server struct {
	backend Backend
	store   *account.Store
	orgs    []org
	logger  *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	routes  map[string]route
	ses     sessions
}

// A route is a path under one of the four tabs.
type route struct {
	tab    permission.Action // the action that opens the tab
	method string            // GET (which also takes HEAD) or POST
	handle func(s *Server, w http.ResponseWriter, r *http.Request, c *call)
}

// A call is one request from a signed-in user.
type call struct {
	user string
	ses  session
	acct *account.Account // the snapshot the request was checked against
}

// A tab is one of the four tabs of the navigation.
type tab struct {
	label string
	path  string
	act   permission.Action
}

// tabs lists the four tabs, in the order the navigation shows them.
var tabs = [...]tab{
	{"Teams", "/teams", permission.ViewTeams},
	{"Access", "/access", permission.ViewAccess},
	{"Settings", "/settings", permission.ViewSettings},
	{"Usage", "/usage", permission.ViewUsage},
}

//go:embed templates
var templateFS embed.FS

// pageNames are the templates, one per page, each drawn in layout.html.
var pageNames = []string{"home", "login", "teams", "access", "settings", "usage", "migration", "error"}

// New returns a dashboard serving cfg. It classifies cfg.Orgs, and returns
// an error naming the organization that cannot be classified.
func New(cfg Config) (*Server, error) {
	if cfg.Backend == nil || cfg.Backend.Store() == nil {
		return nil, fmt.Errorf("web: no backend: %w", account.ErrInvalid)
	}
	orgs, err := classify(cfg.Orgs)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &Server{
		backend: cfg.Backend,
		store:   cfg.Backend.Store(),
		orgs:    orgs,
		logger:  cfg.Logger,
		now:     cfg.Now,
		pages:   make(map[string]*template.Template),
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, name := range pageNames {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %q: %w", name, err)
		}
		s.pages[name] = t
	}
	s.routes = map[string]route{
		"/teams":              {permission.ViewTeams, http.MethodGet, (*Server).teams},
		"/teams/create":       {permission.ViewTeams, http.MethodPost, (*Server).createTeam},
		"/teams/rename":       {permission.ViewTeams, http.MethodPost, (*Server).renameTeam},
		"/teams/delete":       {permission.ViewTeams, http.MethodPost, (*Server).deleteTeam},
		"/teams/role":         {permission.ViewTeams, http.MethodPost, (*Server).setTeamRole},
		"/teams/unassign":     {permission.ViewTeams, http.MethodPost, (*Server).removeFromTeam},
		"/access":             {permission.ViewAccess, http.MethodGet, (*Server).access},
		"/access/add":         {permission.ViewAccess, http.MethodPost, (*Server).addMember},
		"/access/set":         {permission.ViewAccess, http.MethodPost, (*Server).setPermissions},
		"/access/remove":      {permission.ViewAccess, http.MethodPost, (*Server).removeMember},
		"/settings":           {permission.ViewSettings, http.MethodGet, (*Server).settings},
		"/settings/audit-log": {permission.ViewSettings, http.MethodGet, (*Server).auditLog},
		"/usage":              {permission.ViewUsage, http.MethodGet, (*Server).usage},
		"/usage.csv":          {permission.ViewUsage, http.MethodGet, (*Server).usageCSV},
	}
	return s, nil
}

// ServeHTTP answers one request. The order of the checks is what keeps a
// hidden tab indistinguishable from a missing page: the tab's permission
// comes before the method, the CSRF token and the form.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	ses, signedIn := s.ses.get(r, s.now())
	switch r.URL.Path {
	case "/":
		if s.allow(w, r, ses, signedIn, http.MethodGet) {
			s.home(w, r, ses, signedIn)
		}
		return
	case "/login":
		if s.allow(w, r, ses, signedIn, http.MethodGet) {
			s.login(w, r, ses, signedIn)
		}
		return
	case "/logout":
		if s.allow(w, r, ses, signedIn, http.MethodPost) {
			s.logout(w, r, ses, signedIn)
		}
		return
	case "/style.css":
		if s.allow(w, r, ses, signedIn, http.MethodGet) {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, templateFS, "templates/style.css")
		}
		return
	case "/migration":
		if !signedIn {
			s.notFound(w, r, ses, signedIn)
			return
		}
		if s.allow(w, r, ses, signedIn, http.MethodGet) {
			s.migration(w, r, ses)
		}
		return
	}
	rt, ok := s.routes[r.URL.Path]
	if !ok {
		s.notFound(w, r, ses, signedIn)
		return
	}
	c := &call{user: ses.user, ses: ses, acct: s.store.Load()}
	if !signedIn || !c.acct.Can(c.user, rt.tab) {
		// Exactly the answer to a path that does not exist.
		s.notFound(w, r, ses, signedIn)
		return
	}
	if !s.allow(w, r, ses, signedIn, rt.method) {
		return
	}
	if rt.method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				status = http.StatusRequestEntityTooLarge
			}
			s.fail(w, r, ses, status, "The form could not be read", err.Error(), tabPath(rt.tab))
			return
		}
		if !validToken(ses, r.PostForm.Get("csrf")) {
			s.fail(w, r, ses, http.StatusForbidden, "Form expired", "The form did not carry this session's token: it may come from another site, or from before you signed in again. Reload the page and try again.", tabPath(rt.tab))
			return
		}
	}
	rt.handle(s, w, r, c)
}

// allow reports whether r's method is method (HEAD counting as GET), and
// otherwise answers 405 with Allow.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, ses session, signedIn bool, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	allow := method
	if method == http.MethodGet {
		allow = "GET, HEAD"
	}
	w.Header().Set("Allow", allow)
	s.render(w, r, http.StatusMethodNotAllowed, "error", s.basePage(r, ses, signedIn, "Method not allowed", ""), errorData{Message: "This page does not take " + r.Method + " requests."})
	return false
}

func setSecurityHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// A page is what layout.html draws around every page.
type page struct {
	Title   string
	User    string // "" when signed out
	CSRF    string
	Current string // the path of the current tab, if any
	Menu    []menuItem
	Tabs    []tabLink
	Banners []banner
	Flash   string
	Data    any
}

// A tabLink is one tab the user may open.
type tabLink struct {
	Label   string
	Path    string
	Current bool
}

// basePage returns the frame of a page for the session: the menu, the tabs
// the user may open, the banners they see. current is the current tab's path.
func (s *Server) basePage(r *http.Request, ses session, signedIn bool, title, current string) *page {
	p := &page{Title: title, Current: current}
	if !signedIn {
		return p
	}
	p.User = ses.user
	p.CSRF = ses.csrf
	acct := s.store.Load()
	if acct.IsMember(ses.user) {
		p.Menu = append(p.Menu, menuItem{Name: acct.Name(), Href: "/"})
	}
	p.Menu = append(p.Menu, newAccounts(s.orgs, ses.user)...)
	for _, t := range tabs {
		if acct.Can(ses.user, t.act) {
			p.Tabs = append(p.Tabs, tabLink{Label: t.label, Path: t.path, Current: t.path == current})
		}
	}
	p.Banners = banners(s.orgs, ses.user)
	return p
}

// render draws the page name with data and writes it with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page, data any) {
	p.Data = data
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.logger.ErrorContext(r.Context(), "dashboard: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorData is the content of an error page.
type errorData struct {
	Message  string
	Decision string // the decision's sentence, for a refused change
	Back     string
}

// notFound answers 404, the same for a missing path and for a tab the user
// may not open.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, ses session, signedIn bool) {
	s.render(w, r, http.StatusNotFound, "error", s.basePage(r, ses, signedIn, "Page not found", ""), errorData{Message: "There is no page at this address."})
}

// fail answers status with an error page saying msg.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, ses session, status int, title, msg, back string) {
	s.logger.InfoContext(r.Context(), "dashboard: request refused", "user", ses.user, "method", r.Method, "path", r.URL.Path, "status", status, "reason", msg)
	s.render(w, r, status, "error", s.basePage(r, ses, true, title, ""), errorData{Message: msg, Back: back})
}

// errorStatus returns the status and title of the page for a change that
// failed with err, other than a refusal.
func errorStatus(err error) (int, string) {
	switch {
	case errors.Is(err, account.ErrInvalid):
		return http.StatusBadRequest, "Not a valid change"
	case errors.Is(err, account.ErrNoTeam):
		return http.StatusNotFound, "No such team"
	default:
		return http.StatusConflict, "Change not made"
	}
}

// tabPath returns the path of the tab that act opens.
func tabPath(act permission.Action) string {
	for _, t := range tabs {
		if t.act == act {
			return t.path
		}
	}
	return "/"
}
