package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"
)

// The names of the session cookie: with the __Host- prefix when the
// cookie is Secure, so that no other host, a sibling subdomain included,
// can set or overwrite it.
const (
	sessionCookie       = "dashboard_session"
	secureSessionCookie = "__Host-dashboard_session"
)

// The names of the cookie that carries the sign-in form's token, likewise.
const (
	loginCookie       = "dashboard_login"
	secureLoginCookie = "__Host-dashboard_login"
)

// maxSessions bounds the sessions kept in memory. When it is reached,
// expired sessions are dropped; if none has expired, a new sign-in is
// refused: it never ends a session of someone else.
const maxSessions = 10000

// maxSessionsPerUser bounds the sessions of one user; signing in past it
// ends that user's oldest session.
const maxSessionsPerUser = 10

// sessionLife is how long a session lasts after sign-in.
const sessionLife = 12 * time.Hour

// errTooManySessions: the server holds maxSessions sessions, none expired.
var errTooManySessions = errors.New("too many sessions")

// A session is one signed-in browser.
type session struct {
	id      string
	user    string
	csrf    string // the token every form of this session carries
	created time.Time
	flash   string // a message for the next page, then dropped
}

// sessions maps session ids to sessions. The ids and the CSRF tokens are
// random, 256 bits each.
type sessions struct {
	mu     sync.Mutex
	byID   map[string]*session
	byUser map[string][]string // each user's session ids, oldest first
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails; see crypto/rand.Read
	return hex.EncodeToString(b)
}

// start makes a session for user and returns it. A user over
// maxSessionsPerUser loses their own oldest session; a server at
// maxSessions drops expired sessions, and refuses the new one with
// errTooManySessions if that is not enough.
func (s *sessions) start(user string, now time.Time) (session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = make(map[string]*session)
		s.byUser = make(map[string][]string)
	}
	if ids := s.byUser[user]; len(ids) >= maxSessionsPerUser {
		s.endLocked(ids[0])
	}
	if len(s.byID) >= maxSessions {
		for id, ss := range s.byID {
			if now.Sub(ss.created) > sessionLife {
				s.endLocked(id)
			}
		}
		if len(s.byID) >= maxSessions {
			return session{}, errTooManySessions
		}
	}
	ss := &session{id: newToken(), user: user, csrf: newToken(), created: now}
	s.byID[ss.id] = ss
	s.byUser[user] = append(s.byUser[user], ss.id)
	return *ss, nil
}

// get returns a copy of the session id names, and whether there is one,
// current.
func (s *sessions) get(id string, now time.Time) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[id]
	if !ok {
		return session{}, false
	}
	if now.Sub(ss.created) > sessionLife {
		s.endLocked(id)
		return session{}, false
	}
	return *ss, true
}

// end ends the session id names, if any.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked(id)
}

func (s *sessions) endLocked(id string) {
	ss, ok := s.byID[id]
	if !ok {
		return
	}
	delete(s.byID, id)
	ids := slices.DeleteFunc(s.byUser[ss.user], func(x string) bool { return x == id })
	if len(ids) == 0 {
		delete(s.byUser, ss.user)
	} else {
		s.byUser[ss.user] = ids
	}
}

// setFlash keeps msg for the next page the session id shows.
func (s *sessions) setFlash(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.byID[id]; ok {
		ss.flash = msg
	}
}

// takeFlash returns the message of session id and drops it.
func (s *sessions) takeFlash(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[id]
	if !ok {
		return ""
	}
	msg := ss.flash
	ss.flash = ""
	return msg
}

// count returns the number of sessions held.
func (s *sessions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// validToken reports whether got is want, a token that is not empty,
// comparing in constant time.
func validToken(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// cookieValue returns the value of the cookie name in r, or "".
func cookieValue(r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}
