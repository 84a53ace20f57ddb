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
// [MaxLen] bytes, valid UTF-8, and no white space at either end, so that
// "bob" and "bob " cannot be two different users. It also refuses every
// character that prints as nothing or as something other than itself, so
// that two names that look alike are one name or an error:
//   - control characters (Unicode category Cc), such as U+0000 or U+000A;
//   - invisible format characters (category Cf), such as the zero-width
//     space U+200B, the joiners U+200C and U+200D, the word joiner U+2060,
//     the byte order mark U+FEFF, the soft hyphen U+00AD and the
//     bidirectional controls U+202A to U+202E and U+2066 to U+2069;
//   - private-use characters (category Co), whose look depends on the font;
//   - noncharacters: U+FDD0 to U+FDEF and the last two code points of each
//     plane, U+FFFE, U+FFFF, U+1FFFE, U+1FFFF and so on to U+10FFFF.
//
// The error says what is wrong, quoting s (shortened when long; odd
// characters appear escaped) and naming the character and its byte offset,
// without a path and no sentinel; the caller adds both (account.ErrInvalid).
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
		if what := oddRune(r); what != "" {
			return fmt.Errorf("%q: %s %U at byte %d", s, what, r, i)
		}
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fmt.Errorf("%q: white space at either end", s)
	}
	return nil
}

// oddRune returns what kind of character a name may not hold r is, or ""
// when a name may hold it.
func oddRune(r rune) string {
	switch {
	case r >= ' ' && r < 0x7f: // printable ASCII, the common case
		return ""
	case unicode.IsControl(r):
		return "control character"
	case unicode.Is(unicode.Cf, r):
		return "invisible format character"
	case unicode.Is(unicode.Co, r):
		return "private-use character"
	case isNoncharacter(r):
		return "noncharacter"
	}
	return ""
}

// isNoncharacter reports whether r is one of the 66 code points Unicode
// reserves for a program's internal use, never for text: U+FDD0 to U+FDEF
// and the last two code points of each of the 17 planes (U+FFFE, U+FFFF,
// U+1FFFE, U+1FFFF, …, U+10FFFE, U+10FFFF).
func isNoncharacter(r rune) bool {
	return r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE && r >= 0 && r <= unicode.MaxRune
}
