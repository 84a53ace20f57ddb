package names_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

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
		{"line separator inside", "a\u2028b", ""},
		{"combining mark", "zoe\u0308", ""},
		{"variation selector", "\u2764\ufe0f", ""},
		{"replacement character", "b\ufffd", ""},
		{"last character before the noncharacters", "b\ufdcf", ""},
		{"first character after the noncharacters", "b\ufdf0", ""},
		{"last code point before U+FFFE", "b\ufffd", ""},
		{"code point past 16 bits", "b\U00010000", ""},
		{"unassigned code point at the end of plane 14", "b\U000efffd", ""},
		{"zero-width space", "bob\u200b", `"bob\u200b": invisible format character U+200B at byte 3`},
		{"zero-width non-joiner", "b\u200co", "invisible format character U+200C at byte 1"},
		{"left-to-right mark", "b\u200eo", "invisible format character U+200E"},
		{"byte order mark", "\ufeffbob", "invisible format character U+FEFF at byte 0"},
		{"word joiner", "bo\u2060b", "invisible format character U+2060"},
		{"soft hyphen", "bo\u00adb", "invisible format character U+00AD"},
		{"right-to-left override", "\u202ebob", "invisible format character U+202E"},
		{"pop directional isolate", "bob\u2069", "invisible format character U+2069"},
		{"Arabic letter mark", "b\u061co", "invisible format character U+061C"},
		{"Mongolian vowel separator", "b\u180eo", "invisible format character U+180E"},
		{"interlinear annotation", "b\ufff9o", "invisible format character U+FFF9"},
		{"language tag", "b\U000e0001", "invisible format character U+E0001"},
		{"private use, first", "b\ue000", "private-use character U+E000"},
		{"private use, plane 15", "b\U000f1234", "private-use character U+F1234"},
		{"private use, last", "b\U0010fffd", "private-use character U+10FFFD"},
		{"noncharacter U+FDD0", "b\ufdd0", "noncharacter U+FDD0"},
		{"noncharacter U+FDEF", "b\ufdef", "noncharacter U+FDEF"},
		{"noncharacter U+FFFE", "b\ufffe", "noncharacter U+FFFE"},
		{"noncharacter U+2FFFF", "b\U0002ffff", "noncharacter U+2FFFF"},
		{"noncharacter U+10FFFE", "b\U0010fffe", "noncharacter U+10FFFE"},
		{"space then format character", " \u200bbob", "invisible format character U+200B"},
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
		if s == "" || len(s) > names.MaxLen || strings.TrimSpace(s) != s || !utf8.ValidString(s) {
			t.Fatalf("Check accepted %q", s)
		}
		for _, r := range s {
			if mayNotHold(r) {
				t.Fatalf("Check accepted %q, which holds %U", s, r)
			}
		}
	})
}

// mayNotHold is the rule on single characters, written plainly: control,
// format and private-use characters, and the 66 noncharacters.
func mayNotHold(r rune) bool {
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co) {
		return true
	}
	if r >= 0xFDD0 && r <= 0xFDEF {
		return true
	}
	for plane := rune(0); plane <= 0x10; plane++ {
		if r == plane<<16|0xFFFE || r == plane<<16|0xFFFF {
			return true
		}
	}
	return false
}

// TestCheckEveryCharacter checks every code point, alone between two
// letters, against mayNotHold: each character a name may not hold is
// refused with an error naming it and its place, and every other character
// (white space included, inside a name) is accepted.
func TestCheckEveryCharacter(t *testing.T) {
	refused := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF { // surrogates: not valid UTF-8, tested above
			continue
		}
		s := "a" + string(r) + "b"
		err := names.Check(s)
		if !mayNotHold(r) {
			if err != nil {
				t.Errorf("Check(%q) = %v, want nil", s, err)
			}
			continue
		}
		refused++
		if want := fmt.Sprintf("%U at byte 1", r); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%q) = %v, want an error containing %q", s, err, want)
		}
	}
	// 65 controls, 6,400 + 2 × 65,534 private-use characters, 66
	// noncharacters and at least the 160-odd format characters.
	if refused < 65+137468+66+160 {
		t.Errorf("refused %d characters, want more: the tables are smaller than expected", refused)
	}
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
