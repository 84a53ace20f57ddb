package migration_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

// FuzzClassifyJSON sends arbitrary bytes through Organization decoding and
// Classify: never a panic; every error wraps account.ErrInvalid and names
// the entry by path; what decodes survives a JSON round trip and Classify
// accepts it; it classifies deterministically, whatever the order of its
// teams, and its decision survives a JSON round trip. Seeds beyond these
// are in testdata/fuzz/FuzzClassifyJSON.
func FuzzClassifyJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"acme","public_beta":false,"teams":[{"name":"web","licensed":true,"members":[{"user":"ana","role":"admin"},{"user":"cy","role":"collaborator"}]},{"name":"ops","members":[{"user":"ana","role":"admin"},{"user":"bo","role":"viewer"}]}]}`,
		`{"name":"beta","public_beta":true,"teams":[{"name":"web","licensed":true},{"name":"api","licensed":true}]}`,
		`{"teams":[{"name":"web","licensed":true,"members":[{"user":"ana","role":"member"}]},{"name":"api","licensed":true,"members":[{"user":"bo","role":"admin"}]}]}`,
		`{"teams":[{"name":"web","members":[{"user":"ana","role":"admin"},{"user":"ana","role":"viewer"}]}]}`,
		`{"teams":[{"name":"","members":[]},{"name":"x","members":[{"user":"","role":"admin"}]}]}`,
		`{"teams":[{"name":"a"},{"name":"a"}]}`,
		`{"teams":[{"name":"a","members":[{"user":"u","role":"owner"}]}]}`,
		`{"name":1}`, `{"colour":"red"}`, `[]`, `null`, `{}`, `{"teams":null}`, `{"teams":[null]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var org migration.Organization
		if err := json.Unmarshal(data, &org); err != nil {
			var syntax *json.SyntaxError
			if errors.As(err, &syntax) {
				return // not JSON at all: encoding/json says so before our decoder runs
			}
			var pe *account.PathError
			if !errors.As(err, &pe) || !errors.Is(err, account.ErrInvalid) {
				t.Fatalf("decode error %q: want an *account.PathError wrapping ErrInvalid", err)
			}
			// Only errors about the whole input may have no path, and then
			// they say what is wrong with it.
			if msg := err.Error(); pe.Path == "" && !strings.Contains(msg, "want a JSON object") &&
				!strings.Contains(msg, "unknown field") && !strings.Contains(msg, "repeated") {
				t.Fatalf("decode error %q names no path", err)
			}
			return
		}
		again, err := json.Marshal(org)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", org, err)
		}
		var back migration.Organization
		if err := json.Unmarshal(again, &back); err != nil {
			t.Fatalf("Unmarshal(Marshal(decoded)) = %v, from %s", err, again)
		}
		if diff := cmp.Diff(org, back); diff != "" {
			t.Fatalf("organization JSON round trip (-want +got):\n%s", diff)
		}
		d, err := migration.Classify(org)
		rev := org.Clone()
		slices.Reverse(rev.Teams)
		for i := range rev.Teams {
			slices.Reverse(rev.Teams[i].Members)
		}
		d2, err2 := migration.Classify(rev)
		if err != nil {
			t.Fatalf("decoding accepted what Classify rejects: %v", err)
		}
		if err2 != nil {
			t.Fatalf("Classify accepted the input but rejected it reordered: %v", err2)
		}
		if diff := cmp.Diff(d, d2); diff != "" {
			t.Fatalf("reordered input decides differently (-want +got):\n%s", diff)
		}
		if d.Account != nil {
			if _, err := account.New(*d.Account); err != nil {
				t.Fatalf("account.New(plan): %v", err)
			}
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", d, err)
		}
		var dback migration.Decision
		if err := json.Unmarshal(out, &dback); err != nil {
			t.Fatalf("Unmarshal(%s): %v", out, err)
		}
		if diff := cmp.Diff(d, dback); diff != "" {
			t.Fatalf("decision JSON round trip (-want +got):\n%s", diff)
		}
	})
}

// FuzzProperties runs the order-independence and reference properties on
// organizations the fuzzer steers the generator to. Its seeds, in
// testdata/fuzz/FuzzProperties, are each long enough for the generator to
// finish (rapid skips an input that runs out), and together make an
// organization of every outcome and every combination of reasons, with 0
// to 3 or more teams; TestFuzzPropertiesSeedsRun keeps them so.
func FuzzProperties(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(propertiesOnFuzz))
}

// TestFuzzPropertiesSeedsRun runs each seed of FuzzProperties and fails if
// rapid skips it, as it does an input too short for the generator: a
// seed corpus that only skips tests nothing.
func TestFuzzPropertiesSeedsRun(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzProperties", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seeds: %v", err)
	}
	run := rapid.MakeFuzz(propertiesOnFuzz)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		quoted, ok := strings.CutPrefix(string(data), "go test fuzz v1\n[]byte(")
		quoted, ok2 := strings.CutSuffix(quoted, ")\n")
		input, err := strconv.Unquote(quoted)
		if !ok || !ok2 || err != nil {
			t.Fatalf("%s: not one []byte seed (%v)", file, err)
		}
		skipped := false
		t.Run(filepath.Base(file), func(t *testing.T) {
			defer func() { skipped = t.Skipped() }()
			run(t, []byte(input))
		})
		if skipped {
			t.Errorf("%s: rapid skips it (too short for the generator)", file)
		}
	}
}

// propertiesOnFuzz is FuzzProperties' property.
func propertiesOnFuzz(t *rapid.T) {
	org := genOrganization().Draw(t, "org")
	d := classify(t, org)
	if diff := cmp.Diff(d, classify(t, permuted(t, org))); diff != "" {
		t.Fatalf("reordered input decides differently (-want +got):\n%s", diff)
	}
	if !org.PublicBeta {
		if diff := cmp.Diff(refReasons(org), d.Reasons); diff != "" {
			t.Fatalf("reasons (-want +got):\n%s", diff)
		}
	}
}

// FuzzDecisionJSON sends arbitrary bytes through Decision decoding: never a
// panic; every error wraps account.ErrInvalid; an accepted Decision has an
// outcome, marshals, and decodes back equal. Seeds are in
// testdata/fuzz/FuzzDecisionJSON.
func FuzzDecisionJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var d migration.Decision
		if err := json.Unmarshal(data, &d); err != nil {
			if _, ok := errors.AsType[*json.SyntaxError](err); ok {
				return
			}
			if !errors.Is(err, account.ErrInvalid) {
				t.Fatalf("decode error %q does not wrap ErrInvalid", err)
			}
			if diff := cmp.Diff(migration.Decision{}, d); diff != "" {
				t.Fatalf("a failed decode changed its target (-want +got):\n%s", diff)
			}
			return
		}
		if !d.Outcome.Valid() {
			t.Fatalf("decoded %+v without an outcome", d)
		}
		if line := d.String(); strings.Contains(line, "\n") {
			t.Fatalf("String() = %q spans lines", line)
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", d, err)
		}
		var back migration.Decision
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", out, err)
		}
		if diff := cmp.Diff(d, back); diff != "" {
			t.Fatalf("decision JSON round trip (-want +got):\n%s", diff)
		}
	})
}

// FuzzParseEnums parses arbitrary text as an Outcome and as a Reason: what
// parses prints back as exactly the text, and marshals to it; anything else
// is an error wrapping ErrInvalid. Seeds are in testdata/fuzz/FuzzParseEnums.
func FuzzParseEnums(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		if o, err := migration.ParseOutcome(text); err != nil {
			if !errors.Is(err, account.ErrInvalid) || o != 0 {
				t.Fatalf("ParseOutcome(%q) = %v, %v; want 0 and ErrInvalid", text, o, err)
			}
		} else if b, err := o.MarshalText(); !o.Valid() || o.String() != text || err != nil || string(b) != text {
			t.Fatalf("ParseOutcome(%q) = %v, which prints as %q and marshals to %q, %v", text, o, o.String(), b, err)
		}
		if r, err := migration.ParseReason(text); err != nil {
			if !errors.Is(err, account.ErrInvalid) || r != 0 {
				t.Fatalf("ParseReason(%q) = %v, %v; want 0 and ErrInvalid", text, r, err)
			}
		} else if b, err := r.MarshalText(); !r.Valid() || r.String() != text || err != nil || string(b) != text || r.Description() == "" {
			t.Fatalf("ParseReason(%q) = %v, which prints as %q and marshals to %q, %v", text, r, r.String(), b, err)
		}
	})
}
