// Package strictjson decodes JSON strictly, for the UnmarshalJSON methods of
// account and migration: an unknown or repeated object key, a value of the
// wrong JSON type, an array longer than its limit, a string that is not
// valid UTF-8 or holds a lone surrogate escape is an error, where
// encoding/json would keep going without a word.
//
// The package makes no error type of its own choosing: each caller gives,
// in an [Errors], how to make an error for malformed input and how to place
// an error under a parent path, so that account and migration both report
// an *account.PathError naming the entry (teams[1].members[0].role).
package strictjson

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Errors says how to make the errors of decoding. Both functions are called
// only on the way to an error: decoding valid input calls neither.
type Errors struct {
	// Invalid returns the error for malformed input at the value being
	// decoded (path ""), saying what fmt.Sprintf(format, args...) says.
	Invalid func(format string, args ...any) error
	// In returns err, from the decoder of a field or an element, placed
	// under parent: a field's name or an element's index ("[2]").
	In func(err error, parent string) error
}

// JoinPath places path, the place of an entry inside a value, under
// parent, the value's place: "members[0].role" under "teams[2]" is
// "teams[2].members[0].role", "[1]" under "members" is "members[1]", and
// "" under parent is parent.
func JoinPath(parent, path string) string {
	switch {
	case path == "":
		return parent
	case path[0] == '[':
		return parent + path
	}
	return parent + "." + path
}

// A Field is one known field of a JSON object and how to decode its value.
type Field struct {
	Name   string
	Decode func([]byte) error
}

// Object decodes a JSON object whose keys must all be among fields, in the
// order of fields. A missing field is left alone; an unknown one is an
// error naming the least unknown key, and so is a repeated one:
// encoding/json would keep the last value without a word, where other
// decoders keep the first.
func Object(e Errors, data []byte, fields ...Field) error {
	raw, err := objectFields(e, data)
	if err != nil {
		return err
	}
	for _, f := range fields {
		b, ok := raw[f.Name]
		if !ok {
			continue
		}
		delete(raw, f.Name)
		if err := f.Decode(b); err != nil {
			return e.In(err, f.Name)
		}
	}
	if len(raw) > 0 { // name the least unknown key, not one in map order
		return e.Invalid("unknown field %q", slices.Min(slices.Collect(maps.Keys(raw))))
	}
	return nil
}

// objectFields returns the fields of the JSON object data by key, or an
// error if data is not exactly one JSON object or repeats a key.
func objectFields(e Errors, data []byte) (map[string]json.RawMessage, error) {
	notObject := func() error { return e.Invalid("want a JSON object, got %s", abbrev(data)) }
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject()
	}
	raw := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, notObject()
		}
		key := tok.(string) // inside an object, Token returns a key or fails
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject()
		}
		if _, dup := raw[key]; dup {
			return nil, e.Invalid("field %q repeated", key)
		}
		raw[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, notObject()
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notObject()
	}
	return raw, nil
}

// Array decodes a JSON array of at most limit elements into *dst, one
// element at a time, so that an error names the element's index. null is
// no slice; [] an empty one. what names the elements in the error for a
// longer array ("3 members, more than 2"), which comes before any element
// is decoded.
func Array[E any](e Errors, data []byte, dst *[]E, limit int, what string, decode func([]byte, *E) error) error {
	if string(data) == "null" {
		*dst = nil
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return e.Invalid("want a JSON array, got %s", abbrev(data))
	}
	if len(raw) > limit {
		return e.Invalid("%d %s, more than %d", len(raw), what, limit)
	}
	out := make([]E, len(raw))
	for i, b := range raw {
		if err := decode(b, &out[i]); err != nil {
			return e.In(err, "["+strconv.Itoa(i)+"]")
		}
	}
	*dst = out
	return nil
}

// String decodes a JSON string whose text is valid UTF-8 and holds no lone
// surrogate escape such as \ud800. encoding/json would replace either with
// U+FFFD, so that "bo\xffb" and "bo\xfeb" became the same user without a
// word; they are errors instead.
func String(e Errors, data []byte, dst *string) error {
	var s string
	if len(data) == 0 || data[0] != '"' || json.Unmarshal(data, &s) != nil {
		return e.Invalid("want a JSON string, got %s", abbrev(data))
	}
	if !utf8.Valid(data) || hasLoneSurrogate(data) {
		return e.Invalid("%s: not valid UTF-8", quoteShort(data[1:len(data)-1]))
	}
	*dst = s
	return nil
}

// Bool decodes a JSON true or false.
func Bool(e Errors, data []byte, dst *bool) error {
	switch {
	case bytes.Equal(data, []byte("true")):
		*dst = true
	case bytes.Equal(data, []byte("false")):
		*dst = false
	default:
		return e.Invalid("want true or false, got %s", abbrev(data))
	}
	return nil
}

// hasLoneSurrogate reports whether the JSON string q, which encoding/json
// has accepted, holds a \u escape of a UTF-16 surrogate that is not half of
// a pair (a high one followed at once by an escaped low one).
func hasLoneSurrogate(q []byte) bool {
	for i := 0; i < len(q); i++ {
		if q[i] != '\\' {
			continue
		}
		i++ // the escaped byte
		if q[i] != 'u' {
			continue
		}
		r := hex4(q[i+1:])
		i += 4
		if r < 0xd800 || r > 0xdfff {
			continue // not a surrogate
		}
		if r > 0xdbff || i+6 >= len(q) || q[i+1] != '\\' || q[i+2] != 'u' || !isLowSurrogate(hex4(q[i+3:])) {
			return true // not a high surrogate followed at once by a low one
		}
		i += 6 // the low surrogate
	}
	return false
}

func isLowSurrogate(r rune) bool { return r >= 0xdc00 && r <= 0xdfff }

// hex4 returns the value of the 4 hexadecimal digits b starts with, which
// encoding/json has checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		d := rune(c - '0')
		if c > '9' {
			d = rune((c|0x20)-'a') + 10 // c|0x20 is 'a' to 'f' for either case
		}
		r = r<<4 | d
	}
	return r
}

// quoteShort quotes the JSON string text b, shortened when long, so that
// an error shows invalid bytes as escapes.
func quoteShort(b []byte) string {
	const max = 64
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// abbrev shortens JSON input quoted in an error message.
func abbrev(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
