package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/internal/strictjson"
	"github.com/entaccess/entaccess/permission"
)

// challenge is the WWW-Authenticate header of every 401. HTTP registers no
// authentication scheme for a user named in a request header, so the demo
// names its own, after the header it reads: a client that gets 401 learns
// to send X-User. Behind an authenticating proxy, use the proxy's scheme
// instead, such as Bearer.
const challenge = `X-User realm="entaccess demo"`

// newHandler returns the server's routes over store, without an audit
// log: newServer(store, nil, logger, opts...).
func newHandler(store *account.Store, logger *slog.Logger, opts ...httpauthz.Option) http.Handler {
	return newServer(store, nil, logger, opts...)
}

// newServer returns the server's routes over store, logging each
// authorization decision to logger, with the audit log that audit reads at
// GET /settings/audit-log (no such route if audit is nil). opts are added
// to the guard's options, after the server's own.
//
// Every answer but a success is a problem document, and the checks come in
// one order, so that a route hidden from a user looks to them exactly like
// a path no route has:
//
//  1. Before routing, the same for every path and method, missing paths
//     included: a request that does not name exactly one user gets 401;
//     a malformed freshness token 400, one not reached in time 503.
//  2. A path no route has gets 404. So does a hidden route (/settings,
//     /settings/sso and /settings/audit-log) for a user who may not open
//     it, whatever the method.
//  3. Only then a method the path does not take gets 405, with Allow.
func newServer(store *account.Store, audit account.History, logger *slog.Logger, opts ...httpauthz.Option) http.Handler {
	g := httpauthz.New(store, httpauthz.Header("X-User"), append([]httpauthz.Option{
		httpauthz.OnDecision(httpauthz.Log(logger)), httpauthz.Challenge(challenge), httpauthz.Fresh(revisionHeader, freshWait),
	}, opts...)...)
	mux := http.NewServeMux()
	mux.Handle("GET /teams", g.Require(permission.ViewTeams)(http.HandlerFunc(listTeams)))
	mux.Handle("GET /access", g.Require(permission.ViewAccess)(listMembers(audit, logger)))
	mux.Handle("POST /members", g.Require(permission.ManageUsers)(addMember(store)))
	mux.Handle("GET /usage", g.Require(permission.ViewUsage)(http.HandlerFunc(usage)))
	// Users who may not see the settings are not told the page exists. The
	// route takes every method, so that the check comes before 405: a
	// method the mux refused itself would tell the route exists.
	mux.Handle("/settings", g.Hide(permission.ViewSettings)(methods{"GET": http.HandlerFunc(settings)}))
	mux.Handle("/settings/sso", g.Hide(permission.ViewSettings)(methods{
		"GET": http.HandlerFunc(getSSO), "PUT": putSSO(store), "DELETE": deleteSSO(store)}))
	if audit != nil {
		mux.Handle("/settings/audit-log", g.Hide(permission.ViewSettings)(methods{"GET": auditLog(audit, logger)}))
	}
	mux.Handle("POST /teams", g.Require(permission.CreateTeams)(createTeam(store)))
	mux.Handle("DELETE /teams/{name}", g.Require(permission.CreateTeams)(deleteTeam(store)))
	return g.Handler(httpauthz.Problems(mux))
}

// methods serves a route by the request method, HEAD as GET, and answers
// any other method 405, as [http.ServeMux] does but with a problem
// document. Put it behind the route's guard, so that only users who may
// open the route learn which methods it takes.
type methods map[string]http.Handler

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if h, ok := m[method]; ok {
		h.ServeHTTP(w, r)
		return
	}
	allow := slices.Sorted(maps.Keys(m))
	if _, ok := m[http.MethodGet]; ok {
		allow = append(allow, http.MethodHead)
		slices.Sort(allow)
	}
	methodNotAllowed(w, strings.Join(allow, ", "))
}

// methodNotAllowed answers 405 with the Allow header allow.
func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	httpauthz.WriteProblem(w, httpauthz.MethodNotAllowed())
}

// A teamView is one team as GET /teams shows it to a user.
type teamView struct {
	Name     string       `json:"name"`
	Licensed bool         `json:"licensed"`
	Role     account.Role `json:"role"` // the user's role
}

// listTeams answers the teams the user has a role in and can view.
func listTeams(w http.ResponseWriter, r *http.Request) {
	a, d := checked(r)
	teams := []teamView{}
	for _, name := range a.TeamsOf(d.User) {
		t, _ := a.Team(name)
		role, _ := a.Role(name, d.User)
		teams = append(teams, teamView{Name: t.Name, Licensed: t.Licensed, Role: role})
	}
	writeJSON(w, http.StatusOK, map[string]any{"revision": a.Revision(), "teams": teams})
}

// listMembers answers the Access tab: every member and their permissions.
// ?at= names a past state instead of the current one: a revision, or an
// RFC 3339 time, which stands for the revision in force then. The user
// is checked on the current account: who may view the access now may
// view it as it was.
func listMembers(h account.History, logger *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, _ := checked(r)
		if q := r.URL.Query(); q.Has("at") {
			past, err := accountAt(r, h, q.Get("at"))
			if err != nil {
				writeAtError(w, r, err, logger)
				return
			}
			a = past
		}
		members := []account.Member{}
		for u, p := range a.Members() {
			members = append(members, account.Member{User: u, Permissions: p})
		}
		writeJSON(w, http.StatusOK, map[string]any{"revision": a.Revision(), "members": members})
	}
}

// errBadAt is wrapped by accountAt's errors for a value that does not parse.
var errBadAt = errors.New("not a revision or an RFC 3339 time")

// accountAt returns the account at at, a revision or an RFC 3339 time,
// from h.
func accountAt(r *http.Request, h account.History, at string) (*account.Account, error) {
	if h == nil {
		return nil, fmt.Errorf("query at: this server keeps no history: %w", errBadAt)
	}
	rev, err := strconv.ParseUint(at, 10, 64)
	if err != nil {
		t, terr := time.Parse(time.RFC3339Nano, at)
		if terr != nil {
			return nil, fmt.Errorf("query at: %q is %w, such as 12 or 2026-05-04T09:30:00Z", at, errBadAt)
		}
		if rev, err = account.RevisionAt(r.Context(), h, t); err != nil {
			return nil, err
		}
	}
	return h.At(r.Context(), rev)
}

// writeAtError answers an error of accountAt: 400 for a value that does
// not parse, 404 for a revision not committed yet or not kept, and 500,
// saying nothing of the cause (it is logged), for any other.
func writeAtError(w http.ResponseWriter, r *http.Request, err error, logger *slog.Logger) {
	if errors.Is(err, errBadAt) {
		badQuery(w, err)
		return
	}
	if re, ok := errors.AsType[*account.RevisionError](err); ok {
		httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Not Found", Status: http.StatusNotFound, Detail: "query at: " + re.Error()})
		return
	}
	logger.LogAttrs(r.Context(), slog.LevelError, "access at", slog.String("err", err.Error()))
	httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError})
}

// usage answers what the Usage tab would be about: licenses and members.
func usage(w http.ResponseWriter, r *http.Request) {
	a, _ := checked(r)
	licensed := []string{}
	for t := range a.Teams() {
		if t.Licensed {
			licensed = append(licensed, t.Name)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"revision": a.Revision(), "licensed_teams": licensed, "members": a.NumMembers(), "teams": a.NumTeams(),
	})
}

// settings answers who may configure the account's settings.
func settings(w http.ResponseWriter, r *http.Request) {
	a, _ := checked(r)
	writeJSON(w, http.StatusOK, map[string]any{"revision": a.Revision(), "managers": a.UsersWhoCan(permission.ViewSettings)})
}

// ssoView is the identity provider as GET /settings/sso shows it: its
// fields, and its certificate described.
type ssoView struct {
	account.IdentityProvider
	Subject  string    `json:"certificate_subject"`
	NotAfter time.Time `json:"certificate_not_after"`
	SHA256   string    `json:"certificate_sha256"`
}

// getSSO answers the account's identity provider, or null when single
// sign-on is not set up.
func getSSO(w http.ResponseWriter, r *http.Request) {
	a, _ := checked(r)
	writeJSON(w, http.StatusOK, map[string]any{"revision": a.Revision(), "identity_provider": ssoOf(a)})
}

func ssoOf(a *account.Account) *ssoView {
	p, ok := a.IdentityProvider()
	if !ok {
		return nil
	}
	v := &ssoView{IdentityProvider: p}
	if info, err := p.CertificateInfo(); err == nil { // an account holds only certificates that parse
		v.Subject, v.NotAfter, v.SHA256 = info.Subject, info.NotAfter, info.SHA256
	}
	return v
}

// putSSO sets or replaces the identity provider with the one in the
// request body, as the requesting user.
func putSSO(store *account.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, d := checked(r)
		var p account.IdentityProvider
		if err := decodeBody(w, r, &p); err != nil {
			badBody(w, err)
			return
		}
		a, err := store.Update(func(tx *account.Tx) error { return tx.SetIdentityProvider(d.User, p) })
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set(revisionHeader, strconv.FormatUint(a.Revision(), 10))
		writeJSON(w, http.StatusOK, map[string]any{"revision": a.Revision(), "identity_provider": ssoOf(a)})
	}
}

// deleteSSO removes the identity provider; 404 when there is none.
func deleteSSO(store *account.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, d := checked(r)
		a, err := store.Update(func(tx *account.Tx) error { return tx.RemoveIdentityProvider(d.User) })
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set(revisionHeader, strconv.FormatUint(a.Revision(), 10))
		w.WriteHeader(http.StatusNoContent)
	}
}

// addMember adds the member in the request body, as the requesting user.
// The middleware has checked manage-users on the snapshot the request
// arrived on; AddMember checks it again on the state it changes.
func addMember(store *account.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, d := checked(r)
		var m account.Member
		if err := decodeBody(w, r, &m); err != nil {
			badBody(w, err)
			return
		}
		a, err := store.Update(func(tx *account.Tx) error {
			return tx.AddMember(d.User, m.User, m.Permissions)
		})
		if err != nil {
			writeError(w, err)
			return
		}
		p, _ := a.Permissions(m.User)
		w.Header().Set(revisionHeader, strconv.FormatUint(a.Revision(), 10))
		writeJSON(w, http.StatusCreated, map[string]any{
			"revision": a.Revision(), "member": account.Member{User: m.User, Permissions: p},
		})
	}
}

// createTeam creates the team named in the request body, with the
// requesting user as its admin.
func createTeam(store *account.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, d := checked(r)
		var body newTeam
		if err := decodeBody(w, r, &body); err != nil {
			badBody(w, err)
			return
		}
		a, err := store.Update(func(tx *account.Tx) error { return tx.CreateTeam(d.User, body.Name) })
		if err != nil {
			writeError(w, err)
			return
		}
		t, _ := a.Team(body.Name)
		w.Header().Set(revisionHeader, strconv.FormatUint(a.Revision(), 10))
		writeJSON(w, http.StatusCreated, map[string]any{"revision": a.Revision(), "team": t})
	}
}

// newTeam is the body of POST /teams: {"name": "data"}.
type newTeam struct {
	Name string
}

// UnmarshalJSON decodes the body as strictly as an account: an unknown or
// repeated key, or a name that is not valid UTF-8, is an error.
func (t *newTeam) UnmarshalJSON(data []byte) error {
	return strictjson.Object(strict, data,
		strictjson.Field{Name: "name", Decode: func(b []byte) error { return strictjson.String(strict, b, &t.Name) }})
}

// strict makes the errors of strict decoding: the problem, under the path
// of the field it is in.
var strict = strictjson.Errors{
	Invalid: func(format string, args ...any) error { return fmt.Errorf(format, args...) },
	In:      func(err error, parent string) error { return fmt.Errorf("%s: %w", parent, err) },
}

// deleteTeam deletes the team named in the path. DeleteTeam acts only on
// teams the user has a role in and reports any other as missing, so a user
// allowed create-teams by the middleware may still get 404 here.
func deleteTeam(store *account.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, d := checked(r)
		a, err := store.Update(func(tx *account.Tx) error { return tx.DeleteTeam(d.User, r.PathValue("name")) })
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set(revisionHeader, strconv.FormatUint(a.Revision(), 10))
		w.WriteHeader(http.StatusNoContent)
	}
}

// checked returns the snapshot and decision the middleware put in r.
func checked(r *http.Request) (*account.Account, account.Decision) {
	d, _ := httpauthz.DecisionFrom(r.Context())
	return httpauthz.AccountFrom(r.Context()), d
}

// maxBody is the largest request body accepted.
const maxBody = 64 << 10

// decodeBody decodes one JSON value from r's body into v, whose
// UnmarshalJSON decodes strictly. A body longer than maxBody is an error
// wrapping an *http.MaxBytesError.
func decodeBody(w http.ResponseWriter, r *http.Request, v json.Unmarshaler) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	switch _, err := dec.Token(); {
	case errors.As(err, new(*http.MaxBytesError)):
		return fmt.Errorf("request body: %w", err)
	case err != io.EOF:
		return errors.New("request body: more than one JSON value")
	}
	return nil
}

// badBody answers a request whose body decodeBody refused: 413 for one too
// large, 400 otherwise.
func badBody(w http.ResponseWriter, err error) {
	status, detail := http.StatusBadRequest, err.Error()
	if errors.As(err, new(*http.MaxBytesError)) {
		status, detail = http.StatusRequestEntityTooLarge, fmt.Sprintf("request body: more than %d bytes", maxBody)
	}
	httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
}

// writeError answers an error from Store.Update. A refused step is written
// like the middleware's own refusals.
func writeError(w http.ResponseWriter, err error) {
	if fe, ok := errors.AsType[*account.ForbiddenError](err); ok {
		httpauthz.WriteProblem(w, httpauthz.Forbidden(account.Decision{
			User: fe.Actor, Action: fe.Action, Member: fe.Holds != 0, Holds: fe.Holds, Needs: fe.Needs,
		}))
		return
	}
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, account.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, account.ErrNoTeam), errors.Is(err, account.ErrNotMember), errors.Is(err, account.ErrNoIdentityProvider):
		status = http.StatusNotFound
	case errors.Is(err, account.ErrExists), errors.Is(err, account.ErrLastManager), errors.Is(err, account.ErrLastTeamAdmin):
		status = http.StatusConflict
	}
	p := httpauthz.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: err.Error()}
	if status == http.StatusInternalServerError {
		p.Detail = "" // say nothing about what went wrong inside
	}
	httpauthz.WriteProblem(w, p)
}

// writeJSON writes v as the JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// Every change answers with the account's revision after it in the header
// Entaccess-Revision. A request that sends that header back is checked on
// an account at least that new, waiting up to freshWait for it (503 with
// Retry-After after that): with replicas that share the account, a client
// reads its own writes on any of them.
const (
	revisionHeader = "Entaccess-Revision"
	freshWait      = 2 * time.Second
)
