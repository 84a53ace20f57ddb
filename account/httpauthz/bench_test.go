package httpauthz_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/entaccess/entaccess/permission"
)

// BenchmarkRequire measures a request through Require against the same
// handler called directly.
func BenchmarkRequire(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	store := testStore(b)
	cases := []struct {
		name string
		h    http.Handler
		user string
	}{
		{"baseline=handler alone", ok, "bob"},
		{"allowed", require(store, permission.ViewUsage)(ok), "bob"},
		{"refused", require(store, permission.ViewUsage)(ok), "carol"},
		{"refused, hidden", hide(store, permission.ViewUsage)(ok), "carol"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest(http.MethodGet, "/usage", nil)
			r.Header.Set("X-User", c.user)
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
