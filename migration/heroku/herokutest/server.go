// Package herokutest serves recorded answers of Heroku's Platform API, for
// testing code that reads it (package heroku's Client, or a caller's own)
// without the network.
//
// The recording, under testdata/api, is one Enterprise Account ("acme")
// with five members, its two teams, and three more teams outside any
// account; the account's identity provider, owned by its team acme-web,
// is in that team's list (/teams/acme-web/identity-providers). Each
// document is shaped as the API's schema says, unknown fields included.
// A path /a/b is answered with testdata/api/a/b.json.
package herokutest

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

//go:embed testdata/api
var recorded embed.FS

// Token is the API token the Server accepts.
const Token = "01234567-89ab-cdef-0123-456789abcdef"

// A Server answers as the Platform API does: it wants the Accept header
// of version 3 and "Authorization: Bearer " + [Token]; it answers lists a
// page at a time, with 206 Partial Content and a Next-Range header while
// more remain (ranged by email for team members, by id otherwise, as the
// schema says); and it answers 429 with the API's rate_limit error when
// told to.
type Server struct {
	*httptest.Server
	// PageSize is the most items a page holds; 2 unless set.
	PageSize int

	mu       sync.Mutex
	limited  int      // requests still to refuse with 429
	requests []string // "GET /path Range" of every request
}

// NewServer starts a Server; Close it when done.
func NewServer() *Server {
	s := &Server{PageSize: 2}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// RateLimit makes the next n requests fail with 429 Too Many Requests.
func (s *Server) RateLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited = n
}

// Requests returns every request served so far, as "GET /path" followed by
// its Range header when it had one.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func apiError(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"id": id, "message": msg})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, strings.TrimSpace(r.Method+" "+r.URL.Path+" "+r.Header.Get("Range")))
	limited := s.limited > 0
	if limited {
		s.limited--
	}
	s.mu.Unlock()
	w.Header().Set("RateLimit-Remaining", "4500")
	switch {
	case r.Header.Get("Authorization") != "Bearer "+Token:
		apiError(w, http.StatusUnauthorized, "unauthorized", "Invalid credentials provided.")
		return
	case r.Header.Get("Accept") != "application/vnd.heroku+json; version=3":
		apiError(w, http.StatusBadRequest, "bad_request", "Please specify a version along with Heroku's API MIME type.")
		return
	case limited:
		w.Header().Set("RateLimit-Remaining", "0")
		apiError(w, http.StatusTooManyRequests, "rate_limit", "Your account reached the API rate limit\nPlease wait a few minutes before making new requests")
		return
	case r.Method != http.MethodGet:
		apiError(w, http.StatusMethodNotAllowed, "not_allowed", "This recording answers GET only.")
		return
	}
	body, err := fs.ReadFile(recorded, "testdata/api"+strings.TrimSuffix(r.URL.Path, "/")+".json")
	if err != nil {
		apiError(w, http.StatusNotFound, "not_found", "Couldn't find that resource.")
		return
	}
	var items []json.RawMessage
	if json.Unmarshal(body, &items) != nil { // one document
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
		return
	}
	s.page(w, r, items)
}

// page answers one page of a list, after the item the Range names.
func (s *Server) page(w http.ResponseWriter, r *http.Request, items []json.RawMessage) {
	field := "id"
	if strings.HasSuffix(r.URL.Path, "/members") && strings.HasPrefix(r.URL.Path, "/teams/") {
		field = "email"
	}
	key := func(raw json.RawMessage) string {
		var m map[string]any
		json.Unmarshal(raw, &m)
		return fmt.Sprint(m[field])
	}
	size := s.PageSize
	start := 0
	if rng := r.Header.Get("Range"); rng != "" {
		// "<field> ]<key>..; max=<n>": the items after key.
		var after string
		head, max, _ := strings.Cut(rng, "; max=")
		if n, err := strconv.Atoi(max); err == nil && n > 0 {
			size = n
		}
		if f, rest, ok := strings.Cut(head, " ]"); ok && f == field {
			after = strings.TrimSuffix(rest, "..")
		} else {
			apiError(w, http.StatusRequestedRangeNotSatisfiable, "requested_range_not_satisfiable", "Invalid Range header.")
			return
		}
		start = len(items)
		for i, it := range items {
			if key(it) == after {
				start = i + 1
				break
			}
		}
	}
	end := min(start+size, len(items))
	w.Header().Set("Content-Type", "application/json")
	status := http.StatusOK
	if end < len(items) {
		w.Header().Set("Next-Range", fmt.Sprintf("%s ]%s..; max=%d", field, key(items[end-1]), size))
		status = http.StatusPartialContent
	}
	w.WriteHeader(status)
	out, _ := json.Marshal(items[start:end])
	w.Write(out)
}
