// Package namestest is one catalogue of names that break the rules of
// package names, for the bad-input tests of every package that takes names,
// so that they all test the same cases.
package namestest

import (
	"strings"

	"github.com/entaccess/entaccess/internal/names"
)

// A BadName is one name that breaks a rule, in Go and as JSON text.
type BadName struct {
	Class    string // the class of bad input, used in test case names
	Go       string // the name as a Go string ("" when JSONOnly)
	JSON     string // the name as a JSON string literal
	Want     string // text the error must contain
	JSONOnly bool   // no Go form: a Go string cannot hold a lone surrogate
}

// Bad returns the catalogue, as a fresh slice.
func Bad() []BadName {
	long := strings.Repeat("a", names.MaxLen+1)
	huge := strings.Repeat("a", 1<<16)
	return []BadName{
		{"empty", "", `""`, "empty", false},
		{"leading space", " bo", `" bo"`, `" bo": white space at either end`, false},
		{"trailing space", "bo ", `"bo "`, `"bo ": white space at either end`, false},
		{"trailing no-break space", "bo\u00a0", `"bo\u00a0"`, "white space at either end", false},
		{"only spaces", "   ", `"   "`, "white space at either end", false},
		{"tab inside", "b\to", `"b\to"`, "control character U+0009 at byte 1", false},
		{"trailing newline", "bo\n", `"bo\n"`, "control character U+000A", false},
		{"NUL", "b\x00o", `"b\u0000o"`, "control character U+0000", false},
		{"DEL", "bo\x7f", `"bo\u007f"`, "control character U+007F", false},
		{"C1 control", "b\u0085o", `"b\u0085o"`, "control character U+0085", false},
		{"very long", long, `"` + long + `"`, "257 bytes, longer than 256", false},
		{"huge", huge, `"` + huge + `"`, "65536 bytes, longer than 256", false},
		{"zero-width space", "bo\u200b", `"bo\u200b"`, `"bo\u200b": invisible format character U+200B at byte 2`, false},
		{"zero-width space escaped in upper case", "bo\u200b", `"bo\u200B"`, "invisible format character U+200B", false},
		{"leading byte order mark", "\ufeffbo", `"\ufeffbo"`, "invisible format character U+FEFF at byte 0", false},
		{"word joiner", "b\u2060o", `"b\u2060o"`, "invisible format character U+2060", false},
		{"soft hyphen", "b\u00ado", `"b\u00ado"`, "invisible format character U+00AD", false},
		{"leading right-to-left override", "\u202ebo", `"\u202ebo"`, "invisible format character U+202E at byte 0", false},
		{"right-to-left isolate", "b\u2067o", `"b\u2067o"`, "invisible format character U+2067", false},
		{"zero-width joiner", "b\u200do", `"b\u200do"`, "invisible format character U+200D", false},
		{"zero-width space written out", "bo\u200b", "\"bo\u200b\"", "invisible format character U+200B", false},
		{"tag character, escaped as a surrogate pair", "bo\U000e0041", `"bo\udb40\udc41"`, "invisible format character U+E0041", false},
		{"private-use character", "b\ue000o", `"b\ue000o"`, "private-use character U+E000 at byte 1", false},
		{"last private-use character of the BMP", "b\uf8ffo", `"b\uf8ffo"`, "private-use character U+F8FF", false},
		{"supplementary private-use character", "b\U000f0000o", "\"b\U000f0000o\"", "private-use character U+F0000", false},
		{"noncharacter U+FDD0", "b\ufdd0o", `"b\ufdd0o"`, "noncharacter U+FDD0 at byte 1", false},
		{"noncharacter U+FDEF", "b\ufdefo", `"b\ufdefo"`, "noncharacter U+FDEF", false},
		{"noncharacter U+FFFE", "b\ufffeo", `"b\ufffeo"`, "noncharacter U+FFFE", false},
		{"noncharacter U+FFFF", "bo\uffff", `"bo\uffff"`, "noncharacter U+FFFF", false},
		{"noncharacter U+1FFFF", "b\U0001ffffo", `"b\ud83f\udfffo"`, "noncharacter U+1FFFF", false},
		{"the last code point, a noncharacter", "b\U0010ffff", `"b\udbff\udfff"`, "noncharacter U+10FFFF", false},
		{"invalid UTF-8", "b\xffo", "\"b\xffo\"", "not valid UTF-8", false},
		{"truncated UTF-8", "bo\xc3", "\"bo\xc3\"", "not valid UTF-8", false},
		{"UTF-8 encoded surrogate", "b\xed\xa0\x80o", "\"b\xed\xa0\x80o\"", "not valid UTF-8", false},
		{"lone high surrogate escape", "", `"b\ud800o"`, "not valid UTF-8", true},
		{"lone low surrogate escape", "", `"b\uDC00o"`, "not valid UTF-8", true},
		{"lone last high surrogate escape", "", `"b\udbffo"`, "not valid UTF-8", true},
		{"lone last low surrogate escape", "", `"b\udfffo"`, "not valid UTF-8", true},
		{"high surrogate escape at the end", "", `"bo\ud800"`, "not valid UTF-8", true},
		{"high surrogate escape before a letter escape", "", `"b\ud800\u0041"`, "not valid UTF-8", true},
		{"two high surrogate escapes", "", `"\ud800\ud800\udc00"`, "not valid UTF-8", true},
	}
}
