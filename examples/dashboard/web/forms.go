package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// change runs one form's change as c.user in Store.Update and answers:
// on success, a redirect to back with done as the next page's message;
// on a refusal, 403 with the decision's sentence; on any other error, the
// error. A refused or failed change publishes nothing.
func (s *Server) change(w http.ResponseWriter, r *http.Request, c *call, back, done string, step func(tx *account.Tx) error) {
	_, err := s.store.UpdateContext(r.Context(), step)
	if err == nil {
		s.ses.setFlash(c.ses.id, done)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.changeFailed(w, r, c, back, err)
}

// changeFailed answers a change, or a preview of one, that failed with err.
func (s *Server) changeFailed(w http.ResponseWriter, r *http.Request, c *call, back string, err error) {
	if fe, ok := errors.AsType[*account.ForbiddenError](err); ok {
		d := errorData{Message: "You may not make this change; nothing was changed.", Decision: fe.Decision().String(), Back: back}
		if fe.Team != "" {
			d.Message = fmt.Sprintf("You may not make this change; nothing was changed. Admins of team %q may also make it.", fe.Team)
		}
		d.Since = s.refusedSince(r, fe)
		s.logger.InfoContext(r.Context(), "dashboard: change refused", "user", c.user, "path", r.URL.Path, "decision", d.Decision)
		s.render(w, r, http.StatusForbidden, "error", s.basePage(r, c.ses, true, "Not allowed", ""), d)
		return
	}
	status, title := errorStatus(err)
	s.fail(w, r, c.ses, status, title, err.Error()+". Nothing was changed.", back)
}

// refusedSince says since when, and through whose step, fe.Actor has been
// refused fe.Action across the account, from the backend's history
// ([account.Provenance], which reads it once); "" if the history cannot
// say, or if the action is allowed by now.
func (s *Server) refusedSince(r *http.Request, fe *account.ForbiddenError) string {
	q := account.Access{User: fe.Actor, Action: fe.Action}
	o, err := account.Provenance(r.Context(), s.backend, q, s.store.Load().Revision())
	if err != nil {
		s.logger.WarnContext(r.Context(), "dashboard: provenance of a refusal", "access", q.String(), "err", err)
		return ""
	}
	if o.Allowed {
		return ""
	}
	return o.String()
}

// formPermissions reads the permission checkboxes (name "perm") of a form.
// View is always held, so it need not be checked.
func formPermissions(r *http.Request) (permission.Set, error) {
	var set permission.Set
	for _, name := range r.PostForm["perm"] {
		p, err := permission.ParseSet(name)
		if err != nil {
			return 0, err
		}
		set |= p
	}
	return set | permission.View, nil
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request, c *call) {
	user := r.PostForm.Get("user")
	perms, err := formPermissions(r)
	if err != nil {
		s.fail(w, r, c.ses, http.StatusBadRequest, "Not a valid change", err.Error(), "/access")
		return
	}
	step := func(tx *account.Tx) error { return tx.AddMember(c.user, user, perms) }
	if r.PostForm.Has("preview") {
		s.preview(w, r, c, previewView{Title: fmt.Sprintf("Add %s with %s", user, perms), Action: "/access/add", User: user, Perms: r.PostForm["perm"]}, step)
		return
	}
	s.change(w, r, c, "/access", fmt.Sprintf("Added %s with %s.", user, perms), step)
}

func (s *Server) setPermissions(w http.ResponseWriter, r *http.Request, c *call) {
	user := r.PostForm.Get("user")
	perms, err := formPermissions(r)
	if err != nil {
		s.fail(w, r, c.ses, http.StatusBadRequest, "Not a valid change", err.Error(), "/access")
		return
	}
	step := func(tx *account.Tx) error { return tx.SetPermissions(c.user, user, perms) }
	if r.PostForm.Has("preview") {
		s.preview(w, r, c, previewView{Title: fmt.Sprintf("Give %s %s", user, perms), Action: "/access/set", User: user, Perms: r.PostForm["perm"]}, step)
		return
	}
	s.change(w, r, c, "/access", fmt.Sprintf("%s now holds %s.", user, perms), step)
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, c *call) {
	user := r.PostForm.Get("user")
	step := func(tx *account.Tx) error { return tx.RemoveMember(c.user, user) }
	if r.PostForm.Has("preview") {
		s.preview(w, r, c, previewView{Title: fmt.Sprintf("Remove %s from the account", user), Action: "/access/remove", User: user}, step)
		return
	}
	s.change(w, r, c, "/access", fmt.Sprintf("Removed %s from the account.", user), step)
}

// previewView is what a change on the Access tab would do, shown before it
// is saved, with a form that saves it.
type previewView struct {
	Title  string   // the change, as a sentence
	Lines  []string // per user: "bob will be able to: manage-users, view-settings"
	Action string   // the path the Save form posts to
	User   string   // the form's user field
	Perms  []string // the form's perm fields
}

// preview runs step in [account.Store.Preview], as c.user, and shows the
// Access tab with what it would do and a form that saves it. Nothing is
// committed. A step refused or failing answers as the change would.
func (s *Server) preview(w http.ResponseWriter, r *http.Request, c *call, v previewView, step func(tx *account.Tx) error) {
	pv, err := s.store.Preview(step)
	if err != nil {
		s.changeFailed(w, r, c, "/access", err)
		return
	}
	v.Lines = impact(pv.Changes)
	d := accessView(c, c.acct)
	s.addSince(r, &d)
	d.Preview = &v
	s.renderAccess(w, r, c, http.StatusOK, d)
}

// impact says what changes do, a line per user and direction, such as
//
//	bob will be able to: manage-users, view-settings
//	bob will no longer be able to: view-teams in team web
func impact(changes []account.Change) []string {
	var lines []string
	for i := 0; i < len(changes); {
		user := changes[i].User
		var gained, lost []string
		for ; i < len(changes) && changes[i].User == user; i++ {
			what := changes[i].Action.String()
			if changes[i].Team != "" {
				what += " in team " + changes[i].Team
			}
			if changes[i].Gained {
				gained = append(gained, what)
			} else {
				lost = append(lost, what)
			}
		}
		if len(gained) > 0 {
			lines = append(lines, user+" will be able to: "+strings.Join(gained, ", "))
		}
		if len(lost) > 0 {
			lines = append(lines, user+" will no longer be able to: "+strings.Join(lost, ", "))
		}
	}
	return lines
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request, c *call) {
	name := r.PostForm.Get("name")
	s.change(w, r, c, "/teams", fmt.Sprintf("Created team %s, with you as its admin.", name), func(tx *account.Tx) error {
		return tx.CreateTeam(c.user, name)
	})
}

func (s *Server) renameTeam(w http.ResponseWriter, r *http.Request, c *call) {
	from, to := r.PostForm.Get("team"), r.PostForm.Get("name")
	s.change(w, r, c, "/teams", fmt.Sprintf("Renamed team %s to %s.", from, to), func(tx *account.Tx) error {
		return tx.RenameTeam(c.user, from, to)
	})
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request, c *call) {
	name := r.PostForm.Get("team")
	s.change(w, r, c, "/teams", fmt.Sprintf("Deleted team %s.", name), func(tx *account.Tx) error {
		return tx.DeleteTeam(c.user, name)
	})
}

func (s *Server) setTeamRole(w http.ResponseWriter, r *http.Request, c *call) {
	team, user := r.PostForm.Get("team"), r.PostForm.Get("user")
	role, err := account.ParseRole(r.PostForm.Get("role"))
	if err != nil {
		s.fail(w, r, c.ses, http.StatusBadRequest, "Not a valid change", err.Error(), "/teams")
		return
	}
	s.change(w, r, c, "/teams", fmt.Sprintf("%s is now %s in team %s.", user, role, team), func(tx *account.Tx) error {
		return tx.SetTeamRole(c.user, team, user, role)
	})
}

func (s *Server) removeFromTeam(w http.ResponseWriter, r *http.Request, c *call) {
	team, user := r.PostForm.Get("team"), r.PostForm.Get("user")
	s.change(w, r, c, "/teams", fmt.Sprintf("Removed %s from team %s.", user, team), func(tx *account.Tx) error {
		return tx.RemoveFromTeam(c.user, team, user)
	})
}

// setIdentityProvider sets or replaces the account's identity provider
// from the Settings tab's form.
func (s *Server) setIdentityProvider(w http.ResponseWriter, r *http.Request, c *call) {
	p := account.IdentityProvider{
		EntityID:     r.PostForm.Get("entity_id"),
		SSOTargetURL: r.PostForm.Get("sso_target_url"),
		SLOTargetURL: r.PostForm.Get("slo_target_url"),
		Certificate:  r.PostForm.Get("certificate"),
		Enforced:     r.PostForm.Get("enforced") == "on",
	}
	s.change(w, r, c, "/settings", fmt.Sprintf("Single sign-on now goes through %s.", p.EntityID), func(tx *account.Tx) error {
		return tx.SetIdentityProvider(c.user, p)
	})
}

// removeIdentityProvider ends single sign-on.
func (s *Server) removeIdentityProvider(w http.ResponseWriter, r *http.Request, c *call) {
	s.change(w, r, c, "/settings", "Single sign-on is no longer set up.", func(tx *account.Tx) error {
		return tx.RemoveIdentityProvider(c.user)
	})
}
