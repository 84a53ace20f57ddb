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

func ExampleRequire() {
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
	// In production an authenticator in front of this handler sets X-User.
	guard := httpauthz.Require(store, permission.ViewUsage, httpauthz.Header("X-User"))
	h := guard(usage)

	for _, user := range []string{"alice", "bob", ""} {
		r := httptest.NewRequest("GET", "/usage", nil)
		r.Header.Set("X-User", user)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body, _ := io.ReadAll(w.Body)
		fmt.Printf("%d %s %s", w.Code, w.Header().Get("Content-Type"), body)
	}
	// Output:
	// 200 text/plain; charset=utf-8 usage of acme for alice
	// 403 application/problem+json {"type":"https://pkg.go.dev/github.com/entaccess/entaccess/account/httpauthz#TypeForbidden","title":"Action not allowed","status":403,"detail":"\"bob\" may not view-usage: holds view; view-usage needs billing","action":"view-usage","reason":"missing-permission"}
	// 401 application/problem+json {"type":"https://pkg.go.dev/github.com/entaccess/entaccess/account/httpauthz#TypeUnidentified","title":"User not identified","status":401,"detail":"the request does not say which user it acts for","action":"view-usage","reason":"unidentified"}
}
