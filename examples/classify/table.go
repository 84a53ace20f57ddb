package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The table shows every character that is not plain escaped, so that a
// name cannot hide an invisible character, a combining mark or an unusual
// space, nor send control sequences to a terminal.

// plain reports whether r prints as itself in the table: printable ASCII
// (the space included), or a letter or decimal digit of any script, such
// as "é", "ß" or "日", except the letters that print as nothing (the Hangul
// fillers, which Unicode lists as default ignorable).
func plain(r rune) bool {
	if r < utf8.RuneSelf {
		return ' ' <= r && r <= '~'
	}
	return (unicode.IsLetter(r) || unicode.Is(unicode.Nd, r)) &&
		!unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// tableName returns name as the ORGANIZATION column shows it: as it is when
// every character is plain and nothing in it could be misread, otherwise
// in double quotes with every character that is not plain escaped, and
// with \" and \\ for a quote and a backslash, so that strconv.Unquote gives
// back the name. Nothing could be misread when the name is not empty, has
// no space at either end and holds no double quote or backslash: so a
// shown name that does not start with a double quote is the name itself.
func tableName(name string) string {
	if name != "" && name[0] != ' ' && name[len(name)-1] != ' ' &&
		!strings.ContainsAny(name, `"\`) && allPlain(name) {
		return name
	}
	var b strings.Builder
	b.WriteByte('"')
	escape(&b, name, true)
	b.WriteByte('"')
	return b.String()
}

// tableText returns s, a sentence for the DETAIL column that may hold
// names, with every character that is not plain escaped.
func tableText(s string) string {
	if allPlain(s) {
		return s
	}
	var b strings.Builder
	escape(&b, s, false)
	return b.String()
}

// allPlain reports whether s is valid UTF-8 made of plain characters only.
func allPlain(s string) bool {
	for _, r := range s {
		if !plain(r) { // an invalid byte decodes as U+FFFD, which is not plain
			return false
		}
	}
	return true
}

// escape writes s to b with every character that is not plain escaped, and
// in quoted mode also \" and \\.
func escape(b *strings.Builder, s string, quoted bool) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
			i++
			continue
		}
		i += n
		switch {
		case quoted && (r == '"' || r == '\\'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case plain(r):
			b.WriteRune(r)
		case r == '\a':
			b.WriteString(`\a`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\v':
			b.WriteString(`\v`)
		case r < utf8.RuneSelf:
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case r < 0x10000:
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hex[r>>shift&0xf])
			}
		default:
			b.WriteString(`\U`)
			for shift := 28; shift >= 0; shift -= 4 {
				b.WriteByte(hex[r>>shift&0xf])
			}
		}
	}
}
