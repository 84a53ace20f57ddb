package account_test

import (
	"testing"

	"github.com/entaccess/entaccess/account"
)

// TestParseOpErrorText: an empty name and an unknown one are told apart
// in the error, which quotes the unknown name.
func TestParseOpErrorText(t *testing.T) {
	for text, want := range map[string]string{
		"":       "account: parse op: empty op name: invalid",
		"rename": `account: parse op: unknown op "rename": invalid`,
	} {
		if _, err := account.ParseOp(text); err == nil || err.Error() != want {
			t.Errorf("ParseOp(%q): %v; want %q", text, err, want)
		}
	}
}
