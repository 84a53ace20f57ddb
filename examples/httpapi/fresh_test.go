package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every change answers with its revision, and a request that sends it back
// is checked on an account at least that new.
func TestRevisionHeader(t *testing.T) {
	store := newStore(t, nil)
	h := newHandler(store, slog.New(slog.DiscardHandler))
	do := func(method, path, body, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("X-User", "alice")
		if token != "" {
			r.Header.Set(revisionHeader, token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i, c := range []struct{ method, path, body, want string }{
		{"POST", "/members", `{"user": "dan", "permissions": ["create"]}`, "1"},
		{"POST", "/teams", `{"name": "data"}`, "2"},
		{"DELETE", "/teams/data", "", "3"},
	} {
		w := do(c.method, c.path, c.body, "")
		if got := w.Header().Get(revisionHeader); got != c.want {
			t.Errorf("change %d (%s %s): %s %q, want %q", i, c.method, c.path, revisionHeader, got, c.want)
		}
	}
	if w := do("GET", "/teams", "", "3"); w.Code != http.StatusOK {
		t.Errorf("GET /teams with a reached token: %d, want 200", w.Code)
	}
	if w := do("GET", "/teams", "", "4"); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("GET /teams with a token never reached: %d (Retry-After %q), want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
}
