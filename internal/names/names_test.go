package names_test

import (
	"strings"
	"testing"

	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/internal/names/namestest"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name, in, wantErr string // wantErr "" means accepted
	}{
		{"plain", "bob", ""},
		{"email", "bob@example.com", ""},
		{"inner space", "web team", ""},
		{"unicode", "zoë-チーム", ""},
		{"max length", strings.Repeat("a", names.MaxLen), ""},
		{"empty", "", "empty"},
		{"too long", strings.Repeat("a", names.MaxLen+1), "longer than 256"},
		{"invalid utf-8", "bo\xffb", "not valid UTF-8"},
		{"nul", "bo\x00b", "control character U+0000"},
		{"newline", "bob\n", "control character U+000A"},
		{"del", "bob\x7f", "control character U+007F"},
		{"leading space", " bob", "white space"},
		{"trailing space", "bob ", "white space"},
		{"trailing nbsp", "bob\u00a0", "white space"},
		{"only space", "   ", "white space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := names.Check(tt.in)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check(%q) = %v, want nil", tt.in, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check(%q) = %v, want an error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("bob")
	f.Add(" bob")
	f.Add("b\x00")
	f.Fuzz(func(t *testing.T, s string) {
		if names.Check(s) != nil {
			return
		}
		if s == "" || len(s) > names.MaxLen || strings.TrimSpace(s) != s {
			t.Fatalf("Check accepted %q", s)
		}
	})
}

// TestCheckRejectsTheCatalogue ties the shared catalogue to Check: every bad
// name with a Go form is rejected, saying what the catalogue expects.
func TestCheckRejectsTheCatalogue(t *testing.T) {
	for _, n := range namestest.Bad() {
		if n.JSONOnly {
			continue
		}
		if err := names.Check(n.Go); err == nil || !strings.Contains(err.Error(), n.Want) {
			t.Errorf("%s: Check(%q) = %v, want an error containing %q", n.Class, n.Go, err, n.Want)
		}
	}
}
