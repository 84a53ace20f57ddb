package httpauthz_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/permission"
)

func ExampleGuard() {
	acct, err := account.New(account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "alice", Permissions: permission.Admin},
			{User: "bob", Permissions: permission.View},
		},
	})
	if err != nil {
		panic(err)
	}
	store := account.NewStore(acct)

	usage := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := httpauthz.DecisionFrom(r.Context())
		fmt.Fprintln(w, "usage of", httpauthz.AccountFrom(r.Context()).Name(), "for", d.User)
	})
	settings := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "settings") })

	// In production an authenticating proxy in front of this server sets X-User.
	g := httpauthz.New(store, httpauthz.Header("X-User"))
	mux := http.NewServeMux()
	mux.Handle("GET /usage", g.Require(permission.ViewUsage)(usage))
	mux.Handle("/settings", g.Hide(permission.ViewSettings)(settings)) // bob must not learn it exists
	h := g.Handler(httpauthz.Problems(mux))                            // in a server: httpauthz.NewServer(h, logger)

	for _, c := range []struct{ user, path string }{
		{"alice", "/usage"}, {"bob", "/usage"}, {"", "/usage"}, {"alice, bob", "/usage"},
		{"bob", "/settings"}, {"bob", "/no-such-page"},
	} {
		r := httptest.NewRequest("GET", c.path, nil)
		r.Header.Set("X-User", c.user)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body, _ := io.ReadAll(w.Body)
		fmt.Printf("%s %s: %d %s\n", c.user, c.path, w.Code, body)
	}
	// Output:
	// alice /usage: 200 usage of acme for alice
	//
	// bob /usage: 403 {"type":"https://pkg.go.dev/github.com/entaccess/entaccess/account/httpauthz#TypeForbidden","title":"Action not allowed","status":403,"detail":"\"bob\" may not view-usage: holds view; view-usage needs billing","action":"view-usage","reason":"missing-permission"}
	//
	//  /usage: 401 {"type":"https://pkg.go.dev/github.com/entaccess/entaccess/account/httpauthz#TypeUnidentified","title":"User not identified","status":401,"detail":"no X-User header: the request does not say which user it acts for","reason":"unidentified"}
	//
	// alice, bob /usage: 401 {"type":"https://pkg.go.dev/github.com/entaccess/entaccess/account/httpauthz#TypeUnidentified","title":"User not identified","status":401,"detail":"header X-User holds a comma, as when a proxy joins several users into one line: the request does not say which user it acts for","reason":"unidentified"}
	//
	// bob /settings: 404 {"type":"about:blank","title":"Not Found","status":404}
	//
	// bob /no-such-page: 404 {"type":"about:blank","title":"Not Found","status":404}
}
