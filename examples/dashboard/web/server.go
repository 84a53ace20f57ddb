package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// Config is what a [Server] serves, and how it learns who is asking.
// Set exactly one of Identity and DemoSignIn.
type Config struct {
	// Backend holds the account and its history. Required.
	Backend Backend
	// Identity finds the verified user of a request, such as the user an
	// authenticating proxy in front of the dashboard names in a header it
	// sets (httpauthz.Header), or one taken from a verified token. A
	// request it finds no user in is signed out. Each user gets a session
	// of their own, for the forms' CSRF token and the page messages; the
	// identity is asked again on every request, and a session serves only
	// the user it was made for.
	Identity httpauthz.Identity
	// DemoSignIn turns on the demo sign-in instead: a form at /login with
	// which anyone signs in as anyone, without a password. For
	// demonstrations only; it needs Hosts.
	DemoSignIn bool
	// Hosts, when not empty, lists the only Host header values the
	// dashboard answers (such as "127.0.0.1:8081" or "dashboard.example.com",
	// compared without case); any other request gets 421 Misdirected
	// Request. It keeps a page on another site from reaching the dashboard
	// through a DNS name it points at the dashboard's address (DNS
	// rebinding).
	Hosts []string
	// Secure marks the session cookies Secure and gives them the __Host-
	// prefix, so that browsers send them only over HTTPS and no other
	// host can set them. Set it whenever browsers reach the dashboard over
	// HTTPS, directly or through a proxy that terminates TLS.
	Secure bool
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
	identity httpauthz.Identity
	demo     bool
	hosts    map[string]bool // lower case; nil for any host
	secure   bool
	vary     string // the Vary header of every answer
	key      []byte // signs the sign-in form's tokens
	backend  Backend
	store    *account.Store
	orgs     []org
	logger   *slog.Logger
	now      func() time.Time
	pages    map[string]*template.Template
	routes   map[string]route
	ses      sessions
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
	switch {
	case cfg.Identity.User == nil && !cfg.DemoSignIn:
		return nil, fmt.Errorf("web: no way to sign in: set Identity, or DemoSignIn for a demonstration: %w", account.ErrInvalid)
	case cfg.Identity.User != nil && cfg.DemoSignIn:
		return nil, fmt.Errorf("web: both Identity and DemoSignIn set: %w", account.ErrInvalid)
	case cfg.DemoSignIn && len(cfg.Hosts) == 0:
		return nil, fmt.Errorf("web: DemoSignIn needs Hosts, the host names the dashboard answers: %w", account.ErrInvalid)
	}
	var hosts map[string]bool
	for i, h := range cfg.Hosts {
		if h == "" || strings.ContainsAny(h, "/ \t") {
			return nil, fmt.Errorf("web: hosts[%d]: %q is not a host name, with or without a port: %w", i, h, account.ErrInvalid)
		}
		if hosts == nil {
			hosts = make(map[string]bool)
		}
		hosts[strings.ToLower(h)] = true
	}
	vary := []string{"Cookie"}
	for _, h := range cfg.Identity.Vary {
		vary = append(vary, http.CanonicalHeaderKey(h))
	}
	orgs, err := classify(cfg.Orgs)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &Server{
		identity: cfg.Identity,
		demo:     cfg.DemoSignIn,
		hosts:    hosts,
		secure:   cfg.Secure,
		vary:     strings.Join(vary, ", "),
		key:      []byte(newToken()),
		backend:  cfg.Backend,
		store:    cfg.Backend.Store(),
		orgs:     orgs,
		logger:   cfg.Logger,
		now:      cfg.Now,
		pages:    make(map[string]*template.Template),
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
		"/teams":               {permission.ViewTeams, http.MethodGet, (*Server).teams},
		"/teams/create":        {permission.ViewTeams, http.MethodPost, (*Server).createTeam},
		"/teams/rename":        {permission.ViewTeams, http.MethodPost, (*Server).renameTeam},
		"/teams/delete":        {permission.ViewTeams, http.MethodPost, (*Server).deleteTeam},
		"/teams/role":          {permission.ViewTeams, http.MethodPost, (*Server).setTeamRole},
		"/teams/unassign":      {permission.ViewTeams, http.MethodPost, (*Server).removeFromTeam},
		"/access":              {permission.ViewAccess, http.MethodGet, (*Server).access},
		"/access/add":          {permission.ViewAccess, http.MethodPost, (*Server).addMember},
		"/access/set":          {permission.ViewAccess, http.MethodPost, (*Server).setPermissions},
		"/access/remove":       {permission.ViewAccess, http.MethodPost, (*Server).removeMember},
		"/settings":            {permission.ViewSettings, http.MethodGet, (*Server).settings},
		"/settings/audit-log":  {permission.ViewSettings, http.MethodGet, (*Server).auditLog},
		"/settings/sso":        {permission.ViewSettings, http.MethodPost, (*Server).setIdentityProvider},
		"/settings/sso/remove": {permission.ViewSettings, http.MethodPost, (*Server).removeIdentityProvider},
		"/usage":               {permission.ViewUsage, http.MethodGet, (*Server).usage},
		"/usage.csv":           {permission.ViewUsage, http.MethodGet, (*Server).usageCSV},
	}
	return s, nil
}

// ServeHTTP answers one request. The order of the checks is what keeps a
// hidden tab indistinguishable from a missing page: the tab's permission
// comes before the method, the CSRF token and the form.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	w.Header().Set("Vary", s.vary)
	if s.hosts != nil && !s.hosts[strings.ToLower(r.Host)] {
		s.logger.WarnContext(r.Context(), "dashboard: request for a host not served", "host", r.Host, "method", r.Method, "path", r.URL.Path)
		http.Error(w, "This server does not serve this host name.", http.StatusMisdirectedRequest)
		return
	}
	ses, signedIn := s.session(w, r)
	switch r.URL.Path {
	case "/":
		if s.allow(w, r, ses, signedIn, http.MethodGet) {
			s.home(w, r, ses, signedIn)
		}
		return
	case "/login", "/logout":
		if !s.demo { // no such pages: the proxy in front signs users in
			s.notFound(w, r, ses, signedIn)
			return
		}
		if r.URL.Path == "/logout" {
			if s.allow(w, r, ses, signedIn, http.MethodPost) {
				s.logout(w, r, ses, signedIn)
			}
			return
		}
		switch r.Method {
		case http.MethodPost:
			s.signIn(w, r, ses, signedIn)
		default:
			if s.allow(w, r, ses, signedIn, http.MethodGet, http.MethodPost) {
				s.login(w, r, ses, signedIn)
			}
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
		if !validToken(ses.csrf, r.PostForm.Get("csrf")) {
			s.fail(w, r, ses, http.StatusForbidden, "Form expired", "The form did not carry this session's token: it may come from another site, or from before you signed in again. Reload the page and try again.", tabPath(rt.tab))
			return
		}
	}
	rt.handle(s, w, r, c)
}

// allow reports whether r's method is one of methods (HEAD counting as
// GET), and otherwise answers 405 with Allow.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, ses session, signedIn bool, methods ...string) bool {
	var allowed []string
	for _, m := range methods {
		if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
			return true
		}
		allowed = append(allowed, m)
		if m == http.MethodGet {
			allowed = append(allowed, http.MethodHead)
		}
	}
	allow := strings.Join(allowed, ", ")
	w.Header().Set("Allow", allow)
	s.render(w, r, http.StatusMethodNotAllowed, "error", s.basePage(r, ses, signedIn, "Method not allowed", ""), errorData{Message: "This page does not take " + r.Method + " requests."})
	return false
}

// session returns the session of the request's user, and whether the
// request has a user. With Config.Identity, that user is the identity's,
// and a session is made for them when the request has none of theirs;
// with the demo sign-in, the user is the session's.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (session, bool) {
	now := s.now()
	ses, ok := s.ses.get(cookieValue(r, s.sessionCookie()), now)
	if s.identity.User == nil {
		return ses, ok
	}
	user, err := s.identity.User(r)
	if err != nil || user == "" {
		return session{}, false
	}
	if ok && ses.user == user {
		return ses, true
	}
	ses, err = s.ses.start(user, now)
	if err != nil {
		s.logger.ErrorContext(r.Context(), "dashboard: no session for a signed-in user", "user", user, "err", err)
		return session{}, false
	}
	s.setSessionCookie(w, ses.id)
	return ses, true
}

// sessionCookie returns the name of the session cookie.
func (s *Server) sessionCookie() string {
	if s.secure {
		return secureSessionCookie
	}
	return sessionCookie
}

// setSessionCookie sets the session cookie to id; "" clears it.
func (s *Server) setSessionCookie(w http.ResponseWriter, id string) {
	c := &http.Cookie{
		Name:     s.sessionCookie(),
		Value:    id,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   s.secure,
	}
	if id == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func setSecurityHeaders(h http.Header) {
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// A page is what layout.html draws around every page.
type page struct {
	Demo    bool // the demo sign-in is on
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
	p := &page{Demo: s.demo, Title: title, Current: current}
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
	Since    string // since when, and through whose step, the refusal has held
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
