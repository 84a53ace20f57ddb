package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestObjectFields checks the object splitter on its own: exactly one
// object, each key once.
func TestObjectFields(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string // nil: an error
		wantErr string
	}{
		{`{}`, map[string]string{}, ""},
		{` { "a" : 1 , "b":[2, {"a":3}] } `, map[string]string{"a": "1", "b": `[2, {"a":3}]`}, ""},
		{`{"a":{"b":1,"b":2}}`, map[string]string{"a": `{"b":1,"b":2}`}, ""}, // inner objects are their decoders' business
		{`{"a":1,"a":1}`, nil, `field "a" repeated`},
		{`{"a":1}{}`, nil, "want a JSON object"},
		{`{"a":1} 2`, nil, "want a JSON object"},
		{`{"a":1`, nil, "want a JSON object"},
		{`{"a"}`, nil, "want a JSON object"},
		{`{"a" 1}`, nil, "want a JSON object"},
		{`{1:2}`, nil, "want a JSON object"},
		{`{"a":1,}`, nil, "want a JSON object"},
		{`{"a":}`, nil, "want a JSON object"},
		{`{"a":1]`, nil, "want a JSON object"},
		{`[]`, nil, "want a JSON object"},
		{`null`, nil, "want a JSON object"},
		{``, nil, "want a JSON object"},
	}
	for _, tt := range tests {
		raw, err := objectFields(testErrors, []byte(tt.in))
		if tt.want == nil {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("objectFields(%s) = %v, %v; want an error saying %q", tt.in, raw, err, tt.wantErr)
			}
			continue
		}
		got := map[string]string{}
		for k, v := range raw {
			got[k] = string(v)
		}
		if err != nil {
			t.Errorf("objectFields(%s): %v", tt.in, err)
		} else if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("objectFields(%s) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestHex4 checks hex4 on every 4-digit value, in both cases.
func TestHex4(t *testing.T) {
	for r := range rune(0x10000) {
		s := strconv.FormatInt(int64(r)+0x10000, 16)[1:]
		for _, digits := range []string{s, strings.ToUpper(s)} {
			if got := hex4([]byte(digits + `"`)); got != r {
				t.Fatalf("hex4(%s) = %#x, want %#x", digits, got, r)
			}
		}
	}
}

// TestStringRefusesWhatEncodingJSONReplaces builds JSON strings from
// pieces (letters as they are or escaped, surrogate pairs, lone surrogate
// escapes, escaped backslashes) and checks String against
// encoding/json: it accepts exactly the strings that decode without a
// U+FFFD (none is drawn on purpose), with the same value.
func TestStringRefusesWhatEncodingJSONReplaces(t *testing.T) {
	hex := func(t *rapid.T, r rune, label string) string {
		s := strconv.FormatInt(int64(r)+0x10000, 16)[1:]
		if rapid.Bool().Draw(t, label) {
			s = strings.ToUpper(s)
		}
		return `\u` + s
	}
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		b.WriteByte('"')
		for range rapid.IntRange(0, 8).Draw(t, "pieces") {
			switch rapid.IntRange(0, 7).Draw(t, "piece") {
			case 0: // a letter as it is
				b.WriteRune(rapid.SampledFrom([]rune{'a', 'é', 'チ', '😀', ' '}).Draw(t, "letter"))
			case 1: // a letter escaped
				b.WriteString(hex(t, rapid.SampledFrom([]rune{'a', 'é', 0, 0x1f, 0xd7ff, 0xe000, 0xfffe}).Draw(t, "escaped"), "upper"))
			case 2: // a surrogate pair
				r := rapid.Int32Range(0x10000, 0x10ffff).Draw(t, "astral")
				hi, lo := 0xd800+(r-0x10000)>>10, 0xdc00+(r-0x10000)&0x3ff
				b.WriteString(hex(t, hi, "upper hi") + hex(t, lo, "upper lo"))
			case 3: // a lone high surrogate
				b.WriteString(hex(t, rapid.Int32Range(0xd800, 0xdbff).Draw(t, "high"), "upper"))
			case 4: // a lone low surrogate
				b.WriteString(hex(t, rapid.Int32Range(0xdc00, 0xdfff).Draw(t, "low"), "upper"))
			case 5: // an escaped backslash, then text that looks like an escape
				b.WriteString(`\\ud800`)
			case 6:
				b.WriteString(rapid.SampledFrom([]string{`\n`, `\"`, `\/`, `\t`}).Draw(t, "short escape"))
			case 7: // a high surrogate, then an escape that is not a low one
				b.WriteString(hex(t, rapid.Int32Range(0xd800, 0xdbff).Draw(t, "high"), "upper") +
					rapid.SampledFrom([]string{`\n`, `\ud800`, `\udbff`, `\ue000`, `\u0041`, `\\udc00`}).Draw(t, "after"))
			}
		}
		b.WriteByte('"')
		data := []byte(b.String())
		var want string
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("test bug: %s is not a JSON string: %v", data, err)
		}
		var got string
		err := String(testErrors, data, &got)
		replaced := strings.ContainsRune(want, utf8.RuneError)
		switch {
		case replaced && err == nil:
			t.Fatalf("String(%s) = %q, want an error: encoding/json replaces part of it", data, got)
		case !replaced && (err != nil || got != want):
			t.Fatalf("String(%s) = %q, %v; want %q", data, got, err, want)
		}
	})
}

// TestSurrogateBoundaries checks hasLoneSurrogate at the edges of the
// surrogate ranges, where the random test seldom lands.
func TestSurrogateBoundaries(t *testing.T) {
	for _, tt := range []struct {
		in   string
		lone bool
	}{
		{`"\ud7ff"`, false}, {`"\ue000"`, false}, {`"\uffff"`, false},
		{`"\ud800"`, true}, {`"\udbff"`, true}, {`"\udc00"`, true}, {`"\udfff"`, true},
		{`"\ud800\udc00"`, false}, {`"\udbff\udfff"`, false}, {`"\uD800\uDFFF"`, false},
		{`"\udbff\ue000"`, true}, {`"\ud800\udbff"`, true}, {`"\udc00\ud800"`, true},
		{`"\ud800\n"`, true}, {`"\ud800x\udc00"`, true}, {`"\\ud800"`, false}, {`"\\\ud800"`, true},
	} {
		if got := hasLoneSurrogate([]byte(tt.in)); got != tt.lone {
			t.Errorf("hasLoneSurrogate(%s) = %t, want %t", tt.in, got, tt.lone)
		}
	}
}

// TestAbbrev checks where quoted JSON input is cut.
func TestAbbrev(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{strings.Repeat("x", 40), strings.Repeat("x", 40)},
		{strings.Repeat("x", 41), strings.Repeat("x", 40) + "…"},
	} {
		if got := abbrev([]byte(tt.in)); got != tt.want {
			t.Errorf("abbrev(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// errInvalid is the sentinel the test errors wrap.
var errInvalid = errors.New("invalid")

// pathErr is the path-carrying error the tests make through testErrors.
type pathErr struct {
	path string
	err  error
}

func (e *pathErr) Error() string {
	if e.path == "" {
		return e.err.Error()
	}
	return e.path + ": " + e.err.Error()
}

func (e *pathErr) Unwrap() error { return e.err }

// testErrors makes *pathErr errors, placing paths as account does.
var testErrors = Errors{
	Invalid: func(format string, args ...any) error {
		return &pathErr{err: fmt.Errorf(format+": %w", append(args, errInvalid)...)}
	},
	In: func(err error, parent string) error {
		pe, ok := err.(*pathErr)
		switch {
		case !ok:
			return &pathErr{path: parent, err: err}
		case pe.path == "":
			return &pathErr{path: parent, err: pe.err}
		case strings.HasPrefix(pe.path, "["):
			return &pathErr{path: parent + pe.path, err: pe.err}
		}
		return &pathErr{path: parent + "." + pe.path, err: pe.err}
	},
}

// item is a small record to decode with Object, Array, String and Bool.
type item struct {
	Name string
	On   bool
	Tags []string
}

func (it *item) decode(data []byte) error {
	return Object(testErrors, data,
		Field{Name: "name", Decode: func(b []byte) error { return String(testErrors, b, &it.Name) }},
		Field{Name: "on", Decode: func(b []byte) error { return Bool(testErrors, b, &it.On) }},
		Field{Name: "tags", Decode: func(b []byte) error {
			return Array(testErrors, b, &it.Tags, 2, "tags", func(b []byte, s *string) error { return String(testErrors, b, s) })
		}},
	)
}

// TestDecode decodes records and lists of them: values land in their
// fields, and each error names the entry by its path and wraps the
// sentinel.
func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []item
		wantErr string // "" for none
	}{
		{"null", `null`, nil, ""},
		{"empty", `[]`, []item{}, ""},
		{"full", `[{"name":"a","on":true,"tags":["x","y"]},{"on":false,"tags":null}]`,
			[]item{{Name: "a", On: true, Tags: []string{"x", "y"}}, {}}, ""},
		{"not an array", `{}`, nil, "want a JSON array, got {}: invalid"},
		{"too many", `[{},{},{}]`, nil, "3 items, more than 2: invalid"},
		{"not an object", `[{}, 1]`, nil, "[1]: want a JSON object, got 1: invalid"},
		{"unknown fields, least named", `[{"zz":1,"name":"a","b":2}]`, nil, `[0]: unknown field "b": invalid`},
		{"repeated", `[{"on":true,"on":false}]`, nil, `[0]: field "on" repeated: invalid`},
		{"bad bool", `[{"on":1}]`, nil, "[0].on: want true or false, got 1: invalid"},
		{"bad string", `[{"name":7}]`, nil, "[0].name: want a JSON string, got 7: invalid"},
		{"lone surrogate", `[{"name":"a\ud800"}]`, nil, `[0].name: "a\\ud800": not valid UTF-8: invalid`},
		{"invalid UTF-8", "[{\"name\":\"a\xff\"}]", nil, `[0].name: "a\xff": not valid UTF-8: invalid`},
		{"too many tags", `[{},{"tags":["a","b","c"]}]`, nil, "[1].tags: 3 tags, more than 2: invalid"},
		{"bad tag", `[{"tags":["a",null]}]`, nil, "[0].tags[1]: want a JSON string, got null: invalid"},
		{"long input cut", `[{"name":` + strings.Repeat("1", 50) + `}]`, nil,
			"[0].name: want a JSON string, got " + strings.Repeat("1", 40) + "…: invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []item
			err := Array(testErrors, []byte(tt.in), &got, 2, "items", func(b []byte, it *item) error { return it.decode(b) })
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, errInvalid) {
					t.Fatalf("err = %v, want %q wrapping the sentinel", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestArrayLimit decodes arrays at, below and past a small limit: past it,
// the error comes before any element is decoded.
func TestArrayLimit(t *testing.T) {
	for n := range 6 {
		data := strings.TrimSuffix("["+strings.Repeat(`"x",`, n), ",") + "]"
		decoded := 0
		var got []string
		err := Array(testErrors, []byte(data), &got, 3, "names", func(b []byte, s *string) error {
			decoded++
			return String(testErrors, b, s)
		})
		switch {
		case n <= 3 && (err != nil || len(got) != n || decoded != n):
			t.Errorf("Array(%s, limit 3) = %q, %v; want %d entries", data, got, err, n)
		case n > 3 && (err == nil || decoded != 0 || !errors.Is(err, errInvalid) || !strings.Contains(err.Error(), strconv.Itoa(n)+" names, more than 3")):
			t.Errorf("Array(%s, limit 3) = %v after decoding %d entries; want the limit's error first", data, err, decoded)
		}
	}
}

// TestQuoteShort checks where error messages cut long string text.
func TestQuoteShort(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", `""`},
		{"a\xffb", `"a\xffb"`},
		{strings.Repeat("x", 64), `"` + strings.Repeat("x", 64) + `"`},
		{strings.Repeat("x", 65), `"` + strings.Repeat("x", 64) + `"…`},
	} {
		if got := quoteShort([]byte(tt.in)); got != tt.want {
			t.Errorf("quoteShort(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestJoinPath(t *testing.T) {
	for _, tt := range []struct{ parent, path, want string }{
		{"teams[2]", "members[0].role", "teams[2].members[0].role"},
		{"members", "[1]", "members[1]"},
		{"members", "[1].user", "members[1].user"},
		{"teams", "", "teams"},
	} {
		if got := JoinPath(tt.parent, tt.path); got != tt.want {
			t.Errorf("JoinPath(%q, %q) = %q, want %q", tt.parent, tt.path, got, tt.want)
		}
	}
}
