package migration

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

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
// A missing field is left alone; an unknown one is an error naming it.
func decodeObject(data []byte, fields ...field) *account.PathError {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return invalidAt("", "want a JSON object, got %s", abbrev(data))
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
	if len(raw) > 0 {
		unknown := ""
		for k := range raw { // the least key, not map order
			if unknown == "" || k < unknown {
				unknown = k
			}
		}
		return invalidAt("", "unknown field %q", unknown)
	}
	return nil
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

func decodeString(data []byte, dst *string) error {
	if len(data) == 0 || data[0] != '"' || json.Unmarshal(data, dst) != nil {
		return invalidAt("", "want a JSON string, got %s", abbrev(data))
	}
	return nil
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
		if pe := checkName("", s, what); pe != nil {
			return pe
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
