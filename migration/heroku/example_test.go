package heroku_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/entaccess/entaccess/migration/heroku"
	"github.com/entaccess/entaccess/migration/heroku/herokutest"
)

// An Enterprise Account read from the API (here, a recording of it) and
// mapped to an account.Spec: Heroku's owner became admin, and emails are
// lower-cased ("Bob@Acme.example").
func ExampleAccountSpec() {
	api := herokutest.NewServer()
	defer api.Close()
	c := &heroku.Client{URL: api.URL, Token: herokutest.Token} // or heroku.ClientFromEnv()
	data, err := c.Account(context.Background(), "acme")
	if err != nil {
		log.Fatal(err)
	}
	spec, err := heroku.AccountSpec(data, heroku.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range spec.Members {
		fmt.Println(m.User, m.Permissions)
	}
	web, _ := json.Marshal(spec.Teams[0])
	fmt.Println(string(web))
	// Output:
	// alice@acme.example view,billing,manage,create
	// bob@acme.example view,billing
	// carol@acme.example view
	// dave@acme.example view,create
	// erin@acme.example view
	// {"name":"acme-web","licensed":true,"members":[{"user":"alice@acme.example","role":"admin"},{"user":"bob@acme.example","role":"member"},{"user":"carol@acme.example","role":"admin"},{"user":"frank@contractor.example","role":"collaborator"}]}
}
