package httpauthz_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

// methods are the request methods the hidden-route tests send.
var methods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodTrace, "PROPFIND",
}

// freshTokens are values of the freshness header, each sent as its own
// header lines; nil sends none. The test account is at revision 0.
var freshTokens = map[string][]string{
	"no token":         nil,
	"reached":          {"0"},
	"future":           {"1"},
	"far future":       {"18446744073709551615"},
	"not a number":     {"x"},
	"negative":         {"-1"},
	"fraction":         {"1.5"},
	"empty":            {""},
	"with a space":     {" 0"},
	"out of range":     {"18446744073709551616"},
	"sent twice":       {"0", "0"},
	"two values":       {"0", "1"},
	"comma-joined":     {"0, 1"},
	"hexadecimal":      {"0x1"},
	"with a plus sign": {"+0"},
}

// hiddenServer serves /settings hidden behind view-settings, /usage behind
// view-usage, and answers every other path as missing.
func hiddenServer(t *testing.T) http.Handler {
	t.Helper()
	g := httpauthz.New(testStore(t), httpauthz.Header("X-User"),
		httpauthz.Fresh("Entaccess-Revision", 5*time.Millisecond), httpauthz.Challenge(`X-User realm="test"`))
	mux := http.NewServeMux()
	mux.Handle("/settings", g.Hide(permission.ViewSettings)(echo))
	mux.Handle("/settings/audit-log", g.Hide(permission.ViewSettings)(echo))
	mux.Handle("GET /usage", g.Require(permission.ViewUsage)(echo))
	return g.Handler(httpauthz.Problems(mux))
}

type answer struct {
	Status int
	Header http.Header
	Body   string
}

func ask(h http.Handler, method, path string, user, token []string) answer {
	r := httptest.NewRequest(method, path, nil)
	if user != nil {
		r.Header["X-User"] = user
	}
	if token != nil {
		r.Header["Entaccess-Revision"] = token
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return answer{w.Code, w.Header(), w.Body.String()}
}

// TestHiddenIsMissing asks for the hidden routes as users who may not open
// them, with every method and every kind of freshness token, and compares
// each answer, byte for byte, with the answer to a path no route has.
func TestHiddenIsMissing(t *testing.T) {
	h := hiddenServer(t)
	users := map[string][]string{
		"billing only":      {"bob"},
		"view only":         {"carol"},
		"not a member":      {"mallory"},
		"no user":           nil,
		"two users":         {"bob", "alice"},
		"two users, joined": {"bob, alice"},
	}
	for uname, user := range users {
		for tname, token := range freshTokens {
			for _, method := range methods {
				missing := ask(h, method, "/no-such-page", user, token)
				if missing.Status == http.StatusOK {
					t.Fatalf("%s %s: a missing page answers 200", uname, tname)
				}
				for _, path := range []string{"/settings", "/settings/audit-log"} {
					got := ask(h, method, path, user, token)
					if diff := cmp.Diff(missing, got); diff != "" {
						t.Errorf("%s, %s: %s %s differs from a missing page (-missing +got):\n%s", uname, tname, method, path, diff)
					}
				}
			}
		}
	}
}

// TestHiddenTokens: what the hidden route and a missing path answer for
// each kind of token, so that TestHiddenIsMissing does not pass by both
// answering the same wrong thing.
func TestHiddenTokens(t *testing.T) {
	h := hiddenServer(t)
	want := map[string]int{
		"no token": 404, "reached": 404, "future": 503, "far future": 503,
		"not a number": 400, "negative": 400, "fraction": 400, "empty": 400, "with a space": 400,
		"out of range": 400, "sent twice": 400, "two values": 400, "comma-joined": 400, "hexadecimal": 400,
		"with a plus sign": 400,
	}
	for tname, token := range freshTokens {
		for _, path := range []string{"/settings", "/no-such-page"} {
			if got := ask(h, http.MethodGet, path, []string{"bob"}, token); got.Status != want[tname] {
				t.Errorf("%s: GET %s as bob: %d, want %d\n%s", tname, path, got.Status, want[tname], got.Body)
			}
		}
		// alice may open it: the token counts, then the route answers.
		status := want[tname]
		if status == 404 {
			status = 200
		}
		if got := ask(h, http.MethodGet, "/settings", []string{"alice"}, token); got.Status != status {
			t.Errorf("%s: GET /settings as alice: %d, want %d\n%s", tname, got.Status, status, got.Body)
		}
	}
	if got := ask(h, http.MethodGet, "/settings", nil, nil); got.Status != 401 || got.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("GET /settings without a user: %d, WWW-Authenticate %q; want 401 with a challenge", got.Status, got.Header.Get("WWW-Authenticate"))
	}
	if got := ask(h, http.MethodPost, "/usage", []string{"bob"}, nil); got.Status != 405 || got.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /usage: %d, Allow %q; want 405 with Allow: GET, HEAD", got.Status, got.Header.Get("Allow"))
	}
}
