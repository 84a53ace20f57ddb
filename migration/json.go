package migration

import (
	"errors"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/strictjson"
)

// This file holds the strict JSON decoding shared by [Organization] and
// [Decision], over internal/strictjson. Every error is an
// *account.PathError whose path starts at the value being decoded; callers
// place it under their own path with pathIn, and the methods that decode a
// whole value present it with opError.

// strict makes the errors of strict decoding: *account.PathError values
// wrapping [account.ErrInvalid], with paths placed by pathIn.
var strict = strictjson.Errors{
	Invalid: func(format string, args ...any) error { return invalidAt("", format, args...) },
	In:      pathIn,
}

// decodeObject decodes a JSON object by [strictjson.Object].
func decodeObject(data []byte, fields ...strictjson.Field) error {
	return strictjson.Object(strict, data, fields...)
}

// decodeArray decodes a JSON array of at most limit elements by
// [strictjson.Array]; a longer one is "n entries, more than limit".
func decodeArray[E any](data []byte, dst *[]E, limit int, decode func([]byte, *E) error) error {
	return strictjson.Array(strict, data, dst, limit, "entries", decode)
}

// decodeString decodes a JSON string by [strictjson.String], which refuses
// invalid UTF-8 and lone surrogate escapes.
func decodeString(data []byte, dst *string) error { return strictjson.String(strict, data, dst) }

func decodeBool(data []byte, dst *bool) error { return strictjson.Bool(strict, data, dst) }

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
func pathIn(err error, parent string) error {
	var pe *account.PathError
	if errors.As(err, &pe) {
		return &account.PathError{Path: strictjson.JoinPath(parent, pe.Path), Err: pe.Err}
	}
	return &account.PathError{Path: parent, Err: err}
}
