package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// The sample files the README shows in full: an account and an organization.
const (
	sampleAccount      = "../../testdata/samples/acme.json"
	sampleOrganization = "../../testdata/samples/organization.json"
)

// TestSamplesLoad checks that the sample account and organization are valid
// input and mean what the README says of them.
func TestSamplesLoad(t *testing.T) {
	data, err := os.ReadFile(sampleAccount)
	if err != nil {
		t.Fatal(err)
	}
	a, err := account.ParseJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", sampleAccount, err)
	}
	if !a.Can("alice", permission.ManageUsers) || a.Can("bob", permission.ManageUsers) || !a.Can("bob", permission.ViewUsage) {
		t.Errorf("%s: alice should manage users, bob only view usage", sampleAccount)
	}
	if a.Can("erin", permission.ViewTeams) || a.CanViewTeam("erin", "web") {
		t.Errorf("%s: erin, a collaborator, should see nothing", sampleAccount)
	}

	data, err = os.ReadFile(sampleOrganization)
	if err != nil {
		t.Fatal(err)
	}
	var org migration.Organization
	if err := json.Unmarshal(data, &org); err != nil {
		t.Fatalf("%s: %v", sampleOrganization, err)
	}
	d, err := migration.Classify(org)
	if err != nil {
		t.Fatalf("%s: %v", sampleOrganization, err)
	}
	if d.Outcome != migration.Automatic {
		t.Errorf("%s: outcome %v, want automatic", sampleOrganization, d.Outcome)
	}
}

// TestReadmeShowsSamples checks that README.md shows each sample file as it
// is, so that what a reader copies from the README is valid input.
func TestReadmeShowsSamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{sampleAccount, sampleOrganization} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "```json\n"+string(data)+"```\n") {
			t.Errorf("README.md does not show %s verbatim in a json block", f)
		}
	}
}
