package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"pgregory.net/rapid"
)

func TestTableName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ASCII", "acme", "acme"},
		{"ASCII punctuation and inner spaces", "hooli & sons <inc>", "hooli & sons <inc>"},
		{"precomposed accent", "caf\u00e9", "café"},
		{"other scripts", "日本 Ölwerk ßtraße", "日本 Ölwerk ßtraße"},
		{"digits of another script", "team \u0663", "team ٣"},
		{"combining accent", "cafe\u0301", `"cafe\u0301"`},
		{"zero-width space", "bob\u200b", `"bob\u200b"`},
		{"byte order mark", "\ufeffbob", `"\ufeffbob"`},
		{"word joiner", "bo\u2060b", `"bo\u2060b"`},
		{"soft hyphen", "bo\u00adb", `"bo\u00adb"`},
		{"right-to-left override", "\u202ebob", `"\u202ebob"`},
		{"no-break space", "bob\u00a0smith", `"bob\u00a0smith"`},
		{"ideographic space", "bob\u3000smith", `"bob\u3000smith"`},
		{"Hangul filler letter", "bob\u3164", `"bob\u3164"`},
		{"variation selector", "bob\ufe0f", `"bob\ufe0f"`},
		{"private use", "bob\U000f0000", `"bob\U000f0000"`},
		{"noncharacter", "bob\ufdd0", `"bob\ufdd0"`},
		{"symbol", "5\u20ac", `"5\u20ac"`},
		{"emoji", "\U0001f600", `"\U0001f600"`},
		{"replacement character", "\ufffd", `"\ufffd"`},
		{"invalid UTF-8", "bob\xff", `"bob\xff"`},
		{"terminal escape", "\x1b[31mred", `"\x1b[31mred"`},
		{"newline and tab", "a\nb\tc", `"a\nb\tc"`},
		{"NUL and DEL", "a\x00\x7f", `"a\x00\x7f"`},
		{"double quote", `say "hi"`, `"say \"hi\""`},
		{"backslash", `a\u200b`, `"a\\u200b"`},
		{"leading space", " bob", `" bob"`},
		{"trailing space", "bob ", `"bob "`},
		{"empty", "", `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tableName(tt.in)
			if got != tt.want {
				t.Errorf("tableName(%q) = %s, want %s", tt.in, got, tt.want)
			}
			checkTableName(t, tt.in, got)
		})
	}
}

// checkTableName checks the laws of tableName(in) == got: only plain
// characters, and either in itself, unquoted, or in quoted so that
// strconv.Unquote gives it back.
func checkTableName(t interface{ Errorf(string, ...any) }, in, got string) {
	if !allPlain(got) {
		t.Errorf("tableName(%q) = %q holds a character that is not plain", in, got)
	}
	if got == in {
		if strings.HasPrefix(got, `"`) {
			t.Errorf("tableName(%q) = %q: unquoted, yet starts with a double quote", in, got)
		}
		return
	}
	back, err := strconv.Unquote(got)
	if err != nil || back != in {
		t.Errorf("tableName(%q) = %s, which unquotes to %q, %v", in, got, back, err)
	}
}

func TestTableText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", `create account "web"; account admins: alice, é`, `create account "web"; account admins: alice, é`},
		{"names with odd characters", "account admins: bob\u200b, cafe\u0301, a\u00a0b", `account admins: bob\u200b, cafe\u0301, a\u00a0b`},
		{"already quoted stays", `account "bob\u200b"`, `account "bob\u200b"`},
		{"control and invalid", "a\x1b]0;x\x07\xff", `a\x1b]0;x\a\xff`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tableText(tt.in); got != tt.want {
				t.Errorf("tableText(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzTableName(f *testing.F) {
	for _, s := range []string{"", "acme", "café", "cafe\u0301", "bob\u200b", `"\`, "\xff\xfe", " x ", "\U0010ffff", "\u3164"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTableName(t, s, tableName(s))
		if got := tableText(s); !allPlain(got) {
			t.Errorf("tableText(%q) = %q holds a character that is not plain", s, got)
		}
	})
}

// oddRunes are characters a name could hold to look like another name.
var oddRunes = []rune{'\u0301', '\u200b', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u202e', '\u2066',
	'\u00a0', '\u2003', '\u3000', '\u3164', '\ufe0f', '\U000f0000', '\ufdd0', '\uffff', '\x1b', '\u0085'}

// TestTableShowsNoOddCharacter runs -table on organizations whose names
// hold odd characters: whichever of them the name rules accept, the table
// shows every one escaped, in the name column, the detail and error rows
// alike, and one row per line.
func TestTableShowsNoOddCharacter(t *testing.T) {
	name := rapid.Custom(func(t *rapid.T) string {
		base := rapid.SampledFrom([]string{"bob", "acme", "web", "é"}).Draw(t, "base")
		if !rapid.Bool().Draw(t, "odd") {
			return base
		}
		r := string(rapid.SampledFrom(oddRunes).Draw(t, "rune"))
		at := rapid.IntRange(0, len(base)).Draw(t, "at")
		if !utf8.ValidString(base[:at]) {
			at = 0
		}
		return base[:at] + r + base[at:]
	})
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 5).Draw(t, "lines")
		var in strings.Builder
		for range n {
			org := migration.Organization{Name: name.Draw(t, "org")}
			for i := range rapid.IntRange(1, 2).Draw(t, "teams") {
				tm := account.Team{Name: name.Draw(t, "team") + strconv.Itoa(i), Licensed: i == 0}
				tm.Members = append(tm.Members, account.TeamMember{User: name.Draw(t, "user"), Role: account.RoleAdmin})
				org.Teams = append(org.Teams, tm)
			}
			b, err := json.Marshal(org)
			if err != nil {
				t.Fatal(err)
			}
			in.Write(append(b, '\n'))
		}
		var out, errOut bytes.Buffer
		run([]string{"-table"}, strings.NewReader(in.String()), &out, &errOut)
		for row := range strings.Lines(out.String()) {
			if !allPlain(strings.TrimSuffix(row, "\n")) {
				t.Fatalf("table row %q holds a character that is not plain", row)
			}
		}
		if got := strings.Count(out.String(), "\n"); got != n+1 {
			t.Errorf("%d table lines, want a header and %d rows:\n%s", got, n, &out)
		}
	})
}
