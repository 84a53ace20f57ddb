package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/examples/middleware"
	"github.com/entaccess/entaccess/permission"
)

// newHandler returns the server's routes over store, logging each
// authorization decision to logger. opts are added to every route's
// middleware.
func newHandler(store *account.Store, logger *slog.Logger, opts ...middleware.Option) http.Handler {
	user := middleware.Header("X-User")
	base := append([]middleware.Option{middleware.OnDecision(middleware.Log(logger))}, opts...)
	guard := func(act permission.Action, h http.HandlerFunc, more ...middleware.Option) http.Handler {
		return middleware.Require(store, act, user, append(more, base...)...)(h)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /teams", guard(permission.ViewTeams, listTeams))
	mux.Handle("GET /access", guard(permission.ViewAccess, listMembers))
	mux.Handle("POST /members", guard(permission.ManageUsers, addMember(store)))
	mux.Handle("GET /usage", guard(permission.ViewUsage, usage))
	// Users who may not see the settings are not told the page exists.
	mux.Handle("GET /settings", guard(permission.ViewSettings, settings, middleware.RefuseAsNotFound()))
	mux.Handle("POST /teams", guard(permission.CreateTeams, createTeam(store)))
	mux.Handle("DELETE /teams/{name}", guard(permission.CreateTeams, deleteTeam(store)))
	return mux
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
func listMembers(w http.ResponseWriter, r *http.Request) {
	a, _ := checked(r)
	members := []account.Member{}
	for u, p := range a.Members() {
		members = append(members, account.Member{User: u, Permissions: p})
	}
	writeJSON(w, http.StatusOK, map[string]any{"revision": a.Revision(), "members": members})
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

// addMember adds the member in the request body, as the requesting user.
// The middleware has checked manage-users on the snapshot the request
// arrived on; AddMember checks it again on the state it changes.
func addMember(store *account.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, d := checked(r)
		var m account.Member
		if err := decodeBody(w, r, &m); err != nil {
			badRequest(w, err)
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
		var body struct {
			Name string `json:"name"`
		}
		if err := decodeBody(w, r, &body); err != nil {
			badRequest(w, err)
			return
		}
		a, err := store.Update(func(tx *account.Tx) error { return tx.CreateTeam(d.User, body.Name) })
		if err != nil {
			writeError(w, err)
			return
		}
		t, _ := a.Team(body.Name)
		writeJSON(w, http.StatusCreated, map[string]any{"revision": a.Revision(), "team": t})
	}
}

// deleteTeam deletes the team named in the path. DeleteTeam acts only on
// teams the user has a role in and reports any other as missing, so a user
// allowed create-teams by the middleware may still get 404 here.
func deleteTeam(store *account.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, d := checked(r)
		_, err := store.Update(func(tx *account.Tx) error { return tx.DeleteTeam(d.User, r.PathValue("name")) })
		if err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// checked returns the snapshot and decision the middleware put in r.
func checked(r *http.Request) (*account.Account, account.Decision) {
	d, _ := middleware.DecisionFrom(r.Context())
	return middleware.AccountFrom(r.Context()), d
}

// maxBody is the largest request body accepted.
const maxBody = 64 << 10

// decodeBody decodes one JSON value from r's body into v, strictly.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("request body: more than one JSON value")
	}
	return nil
}

func badRequest(w http.ResponseWriter, err error) {
	middleware.WriteProblem(w, middleware.Problem{
		Type: "about:blank", Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest, Detail: err.Error(),
	})
}

// writeError answers an error from Store.Update. A refused step is written
// like the middleware's own refusals.
func writeError(w http.ResponseWriter, err error) {
	if fe, ok := errors.AsType[*account.ForbiddenError](err); ok {
		middleware.WriteProblem(w, middleware.Forbidden(account.Decision{
			User: fe.Actor, Action: fe.Action, Member: fe.Holds != 0, Holds: fe.Holds, Needs: fe.Needs,
		}))
		return
	}
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, account.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, account.ErrNoTeam), errors.Is(err, account.ErrNotMember):
		status = http.StatusNotFound
	case errors.Is(err, account.ErrExists), errors.Is(err, account.ErrLastManager), errors.Is(err, account.ErrLastTeamAdmin):
		status = http.StatusConflict
	}
	p := middleware.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: err.Error()}
	if status == http.StatusInternalServerError {
		p.Detail = "" // say nothing about what went wrong inside
	}
	middleware.WriteProblem(w, p)
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
