package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// sessionCookie is the name of the cookie that carries the session id.
const sessionCookie = "dashboard_session"

// maxSessions bounds the sessions kept in memory; signing in past it ends
// the oldest session.
const maxSessions = 10000

// sessionLife is how long a session lasts after sign-in.
const sessionLife = 12 * time.Hour

// A session is one signed-in browser.
type session struct {
	user    string
	csrf    string // the token every form of this session carries
	created time.Time
	flash   string // a message for the next page, then dropped
}

// sessions maps session ids to sessions. The ids and the CSRF tokens are
// random, 256 bits each.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails; see crypto/rand.Read
	return hex.EncodeToString(b)
}

// start makes a session for user and returns its id.
func (s *sessions) start(user string, now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = make(map[string]*session)
	}
	if len(s.byID) >= maxSessions {
		var oldest string
		for id, ss := range s.byID {
			if oldest == "" || ss.created.Before(s.byID[oldest].created) {
				oldest = id
			}
		}
		delete(s.byID, oldest)
	}
	id := newToken()
	s.byID[id] = &session{user: user, csrf: newToken(), created: now}
	return id
}

// get returns a copy of the session whose id r's cookie carries, and
// whether there is one, current.
func (s *sessions) get(r *http.Request, now time.Time) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[c.Value]
	if !ok {
		return session{}, false
	}
	if now.Sub(ss.created) > sessionLife {
		delete(s.byID, c.Value)
		return session{}, false
	}
	return *ss, true
}

// end ends the session r's cookie names, if any.
func (s *sessions) end(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.byID, c.Value)
		s.mu.Unlock()
	}
}

// setFlash keeps msg for the next page the session shows.
func (s *sessions) setFlash(r *http.Request, msg string) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		if ss, ok := s.byID[c.Value]; ok {
			ss.flash = msg
		}
		s.mu.Unlock()
	}
}

// takeFlash returns the session's message and drops it.
func (s *sessions) takeFlash(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[c.Value]
	if !ok {
		return ""
	}
	msg := ss.flash
	ss.flash = ""
	return msg
}

// validToken reports whether got is the session's CSRF token, comparing in
// constant time.
func validToken(ss session, got string) bool {
	return ss.csrf != "" && subtle.ConstantTimeCompare([]byte(ss.csrf), []byte(got)) == 1
}
