package migration

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/entaccess/entaccess/account"
)

// This file holds the strict JSON decoding shared by [Organization] and
// [Decision]. Every error is a *account.PathError whose path starts at the
// value being decoded; callers place it under their own path with In.

// A field is one known field of a JSON object and how to decode its value.
type field struct {
	name   string
	decode func([]byte) error
}

// decodeObject decodes a JSON object whose keys must all be among fields.
// A missing field is left alone; an unknown one is an error naming it, and
// so is a repeated one: encoding/json would keep the last value without a
// word, where other decoders keep the first.
func decodeObject(data []byte, fields ...field) *account.PathError {
	raw, pe := objectFields(data)
	if pe != nil {
		return pe
	}
	for _, f := range fields {
		b, ok := raw[f.name]
		if !ok {
			continue
		}
		delete(raw, f.name)
		if err := f.decode(b); err != nil {
			return pathIn(err, f.name)
		}
	}
	if len(raw) > 0 { // name the least unknown key, not one in map order
		return invalidAt("", "unknown field %q", slices.Min(slices.Collect(maps.Keys(raw))))
	}
	return nil
}

// objectFields returns the fields of the JSON object data by key, or an
// error if data is not exactly one JSON object or repeats a key.
func objectFields(data []byte) (map[string]json.RawMessage, *account.PathError) {
	notObject := invalidAt("", "want a JSON object, got %s", abbrev(data))
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject
	}
	raw := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, notObject
		}
		key := tok.(string) // a key, or Token would have failed
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject
		}
		if _, dup := raw[key]; dup {
			return nil, invalidAt("", "field %q repeated", key)
		}
		raw[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notObject
	}
	return raw, nil
}

// decodeArray decodes a JSON array of at most limit elements into *dst one
// element at a time, so that an error names the element's index. null is no
// slice; [] an empty one. A longer array is an error before any element is
// decoded.
func decodeArray[E any](data []byte, dst *[]E, limit int, decode func([]byte, *E) error) error {
	if string(data) == "null" {
		*dst = nil
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return invalidAt("", "want a JSON array, got %s", abbrev(data))
	}
	if len(raw) > limit {
		return invalidAt("", "%d entries, more than %d", len(raw), limit)
	}
	out := make([]E, len(raw))
	for i, b := range raw {
		if err := decode(b, &out[i]); err != nil {
			return pathIn(err, "["+strconv.Itoa(i)+"]")
		}
	}
	*dst = out
	return nil
}

// decodeString decodes a JSON string whose text is valid UTF-8 and holds
// no lone surrogate escape such as \ud800. encoding/json would replace
// either with U+FFFD, so that "bo\xffb" and "bo\xfeb" became the same
// user without a word; they are errors instead.
func decodeString(data []byte, dst *string) error {
	var s string
	if len(data) == 0 || data[0] != '"' || json.Unmarshal(data, &s) != nil {
		return invalidAt("", "want a JSON string, got %s", abbrev(data))
	}
	if !utf8.Valid(data) || hasLoneSurrogate(data) {
		return invalidAt("", "%s: not valid UTF-8", quoteShort(string(data[1:len(data)-1])))
	}
	*dst = s
	return nil
}

// hasLoneSurrogate reports whether the JSON string q, which encoding/json
// has accepted, holds a \u escape of a UTF-16 surrogate that is not half
// of a pair (a high one followed at once by a low one).
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
		if r <= 0xdbff && bytes.HasPrefix(q[i+1:], []byte(`\u`)) && isLowSurrogate(hex4(q[i+3:])) {
			// A high surrogate and its low one. Valid JSON has four hex
			// digits after \u, so hex4 has all it reads.
			i += 6
			continue
		}
		return true
	}
	return false
}

func isLowSurrogate(r rune) bool { return r >= 0xdc00 && r <= 0xdfff }

// hex4 returns the value of the 4 hexadecimal digits b starts with.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		if c <= '9' {
			r |= rune(c - '0')
		} else if c <= 'F' {
			r |= rune(c - 'A' + 10)
		} else {
			r |= rune(c - 'a' + 10)
		}
	}
	return r
}

func decodeBool(data []byte, dst *bool) error {
	switch {
	case bytes.Equal(data, []byte("true")):
		*dst = true
	case bytes.Equal(data, []byte("false")):
		*dst = false
	default:
		return invalidAt("", "want true or false, got %s", abbrev(data))
	}
	return nil
}

// decodeNamed returns a decoder of a JSON string holding a name, which must
// pass [checkName]; what says what it names ("user", "team name").
func decodeNamed(what string) func([]byte, *string) error {
	return func(data []byte, dst *string) error {
		var s string
		if err := decodeString(data, &s); err != nil {
			return err
		}
		if err := nameErr(s, what); err != nil {
			return &account.PathError{Err: err}
		}
		*dst = s
		return nil
	}
}

// decodeName decodes a JSON string holding the name of a value of an
// enumeration, with parse.
func decodeName[T any](parse func(string) (T, error)) func([]byte, *T) error {
	return func(data []byte, dst *T) error {
		var name string
		if err := decodeString(data, &name); err != nil {
			return err
		}
		v, err := parse(name)
		if err != nil {
			return &account.PathError{Err: err}
		}
		*dst = v
		return nil
	}
}

// pathIn places err under parent: a *account.PathError gets the longer
// path, any other error becomes the Err of one at parent.
func pathIn(err error, parent string) *account.PathError {
	var pe *account.PathError
	if errors.As(err, &pe) {
		return pe.In(parent)
	}
	return &account.PathError{Path: parent, Err: err}
}

// abbrev shortens JSON input quoted in an error message.
func abbrev(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
