package account

import (
	"encoding/json"
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
		raw, err := objectFields([]byte(tt.in))
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

// TestDecodeStringRefusesWhatEncodingJSONReplaces builds JSON strings from
// pieces (letters as they are or escaped, surrogate pairs, lone surrogate
// escapes, escaped backslashes) and checks decodeString against
// encoding/json: it accepts exactly the strings that decode without a
// U+FFFD (none is drawn on purpose), with the same value.
func TestDecodeStringRefusesWhatEncodingJSONReplaces(t *testing.T) {
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
		err := decodeString(data, &got)
		replaced := strings.ContainsRune(want, utf8.RuneError)
		switch {
		case replaced && err == nil:
			t.Fatalf("decodeString(%s) = %q, want an error: encoding/json replaces part of it", data, got)
		case !replaced && (err != nil || got != want):
			t.Fatalf("decodeString(%s) = %q, %v; want %q", data, got, err, want)
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
