package httpauthz_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/permission"
)

func TestFresh(t *testing.T) {
	store := testStore(t)
	h := require(store, permission.ViewUsage, httpauthz.Fresh("Entaccess-Revision", 200*time.Millisecond))(echo)
	withToken := func(token string) *http.Request {
		r := request("alice")
		r.Header.Set("Entaccess-Revision", token)
		return r
	}

	t.Run("no token", func(t *testing.T) {
		if w := serve(h, request("alice")); w.Code != http.StatusOK {
			t.Fatalf("status %d, want 200", w.Code)
		}
	})
	t.Run("token already reached", func(t *testing.T) {
		if w := serve(h, withToken("0")); w.Code != http.StatusOK {
			t.Fatalf("status %d, want 200", w.Code)
		}
	})
	t.Run("token never reached", func(t *testing.T) {
		start := time.Now()
		w := serve(h, withToken("5"))
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", w.Code)
		}
		if w.Header().Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		if p := decodeProblem(t, w); p.Type != httpauthz.TypeStale || p.Reason != httpauthz.ReasonStale {
			t.Errorf("problem %+v, want TypeStale", p)
		}
		if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
			t.Errorf("waited %v, want about 200ms", d)
		}
	})
	t.Run("token reached while waiting", func(t *testing.T) {
		go func() {
			time.Sleep(20 * time.Millisecond)
			store.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "dave", permission.View) })
		}()
		w := serve(h, withToken("1"))
		if w.Code != http.StatusOK {
			t.Fatalf("status %d, want 200", w.Code)
		}
		var s struct{ Revision uint64 }
		if err := json.NewDecoder(w.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		if s.Revision < 1 {
			t.Errorf("checked on revision %d, want at least 1", s.Revision)
		}
	})
	for _, bad := range []string{"x", "-1", "1.5", ""} {
		t.Run("malformed "+bad, func(t *testing.T) {
			r := withToken(bad)
			if bad == "" {
				r.Header["Entaccess-Revision"] = []string{"1", "2"}
			}
			if w := serve(h, r); w.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", w.Code)
			}
		})
	}
}

// A Source without WaitFor cannot honour a freshness token.
type loadOnly struct{ s *account.Store }

func (l loadOnly) Load() *account.Account { return l.s.Load() }

func TestFreshNeedsWaiter(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New with Fresh on a Source without WaitFor did not panic")
		}
	}()
	httpauthz.New(loadOnly{testStore(t)}, httpauthz.Header("X-User"), httpauthz.Fresh("R", time.Second))
}
