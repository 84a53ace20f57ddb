// Package names holds the rules every name in entaccess follows (account,
// user and team names) and the size limits of an account or organization,
// so that account and migration accept and reject exactly the same input.
package names

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Limits on input size. They are far above any real Enterprise Account and
// exist so that hostile input fails early with a clear error instead of
// exhausting memory.
const (
	MaxLen         = 256     // bytes in one name (an e-mail address is at most 254)
	MaxMembers     = 1 << 21 // account members (2,097,152)
	MaxTeams       = 1 << 16 // teams of an account or organization (65,536)
	MaxTeamMembers = 1 << 21 // users listed in one team (2,097,152)
)

// Check reports whether s is an acceptable name: not empty, at most
// [MaxLen] bytes, valid UTF-8, no control characters, and no white space
// at either end (so "bob" and "bob " cannot be two different users).
// The error says what is wrong, quoting s (shortened when long), without a
// path and no sentinel; the caller adds both (account.ErrInvalid).
func Check(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty")
	case len(s) > MaxLen:
		return fmt.Errorf("%q…: %d bytes, longer than %d", s[:32], len(s), MaxLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%q: not valid UTF-8", s)
	}
	for i, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q: control character %U at byte %d", s, r, i)
		}
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fmt.Errorf("%q: white space at either end", s)
	}
	return nil
}
