package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/migration"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// clean holds three organizations, one per outcome, with CRLF line endings
// and no line ending after the last.
const clean = "{\"name\": \"beta-co\", \"public_beta\": true, \"teams\": []}\r\n" +
	"{\"name\": \"acme\", \"teams\": [{\"name\": \"web\", \"licensed\": true, \"members\": [{\"user\": \"alice\", \"role\": \"admin\"}]}]}\r\n" +
	"\r\n" +
	"{\"name\": \"solo\", \"teams\": [{\"name\": \"a\", \"members\": [{\"user\": \"ann\", \"role\": \"admin\"}]}, {\"name\": \"b\", \"members\": [{\"user\": \"bo\", \"role\": \"admin\"}]}]}"

// oddNames holds organizations whose names hold characters the table
// escapes: a combining accent, a no-break space, a Hangul filler letter,
// next to names that print as they are.
const oddNames = "{\"name\": \"cafe\u0301\", \"teams\": [{\"name\": \"web\", \"licensed\": true, \"members\": [{\"user\": \"bob\u00a0smith\", \"role\": \"admin\"}, {\"user\": \"bob\", \"role\": \"member\"}]}]}\n" +
	"{\"name\": \"caf\u00e9 \u65e5\u672c\", \"teams\": [{\"name\": \"web\u3164\", \"members\": [{\"user\": \"\u00e9mile\", \"role\": \"admin\"}]}]}\n" +
	"{\"name\": \"say \\\"hi\\\"\", \"public_beta\": true}\n"

// TestGolden runs the program on the cases below and compares the exit
// status, standard output and standard error with testdata/NAME.golden.
// go test ./examples/classify -update rewrites them.
func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{name: "sample", args: []string{"testdata/sample.jsonl"}},
		{name: "sample-table", args: []string{"-table", "testdata/sample.jsonl"}},
		{name: "max-line", args: []string{"-max-line", "200", "testdata/sample.jsonl"}},
		{name: "stdin-clean", stdin: clean},
		{name: "stdin-dash-table", args: []string{"-table", "-"}, stdin: clean},
		{name: "empty-input", stdin: ""},
		{name: "missing-file", args: []string{"testdata/no-such-file.jsonl"}},
		{name: "two-files", args: []string{"a", "b"}},
		{name: "bad-flag", args: []string{"-tabel"}},
		{name: "table-odd-names", args: []string{"-table"}, stdin: oddNames},
		{name: "max-line-out-of-range", args: []string{"-max-line", "9223372036854775807"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			got := fmt.Sprintf("# %s\n-- exit status --\n%d\n-- stdout --\n%s-- stderr --\n%s",
				strings.Join(append([]string{"classify"}, tt.args...), " "), code, &stdout, &stderr)
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// A record is one line of output, decoded.
type record struct {
	Line         int
	Organization string
	Decision     migration.Decision
	Error        string
}

// decodeRecord decodes one output line strictly: an object that starts
// with "line", then either "error" alone or "organization" followed by
// exactly the fields of a decision's own JSON form.
func decodeRecord(line string) (record, error) {
	var r record
	if !strings.HasPrefix(line, `{"line":`) || !strings.HasSuffix(line, "}\n") {
		return r, fmt.Errorf("record %q is not one object starting with the line number", line)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &fields); err != nil {
		return r, fmt.Errorf("record %q: %v", line, err)
	}
	if err := json.Unmarshal(fields["line"], &r.Line); err != nil {
		return r, fmt.Errorf("record %q: line: %v", line, err)
	}
	delete(fields, "line")
	if msg, ok := fields["error"]; ok {
		if err := json.Unmarshal(msg, &r.Error); err != nil || r.Error == "" || len(fields) != 1 {
			return r, fmt.Errorf("record %q: want a non-empty error and nothing else", line)
		}
		return r, nil
	}
	if !strings.HasPrefix(line, fmt.Sprintf(`{"line":%d,"organization":`, r.Line)) {
		return r, fmt.Errorf("record %q: the organization does not follow the line number", line)
	}
	if err := json.Unmarshal(fields["organization"], &r.Organization); err != nil {
		return r, fmt.Errorf("record %q: organization: %v", line, err)
	}
	delete(fields, "organization")
	rest, err := json.Marshal(fields)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(rest, &r.Decision); err != nil {
		return r, fmt.Errorf("record %q: decision: %v", line, err)
	}
	return r, nil
}

// decodeRecords decodes every line of out with decodeRecord.
func decodeRecords(t interface {
	Helper()
	Fatal(...any)
}, out string) []record {
	t.Helper()
	var rs []record
	for line := range strings.Lines(out) {
		r, err := decodeRecord(line)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

// anyError compares two records' errors by presence only.
var anyError = cmp.Comparer(func(a, b record) bool {
	return a.Line == b.Line && a.Organization == b.Organization &&
		cmp.Equal(a.Decision, b.Decision) && (a.Error == "") == (b.Error == "")
})

// TestJSONMatchesClassify checks each record against Classify itself: the
// line number, the organization's name, then exactly the decision's own
// JSON form, or an error for a line Classify or decoding rejects.
func TestJSONMatchesClassify(t *testing.T) {
	data, err := os.ReadFile("testdata/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var want []record
	valid := 0
	for i, line := range slices.Collect(strings.Lines(string(data))) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var org migration.Organization
		err := json.Unmarshal([]byte(line), &org)
		var d migration.Decision
		if err == nil {
			d, err = migration.Classify(org)
		}
		if err != nil {
			want = append(want, record{Line: i + 1, Error: err.Error()})
			continue
		}
		valid++
		want = append(want, record{Line: i + 1, Organization: org.Name, Decision: d})
	}
	if valid < 3 || valid == len(want) {
		t.Fatalf("sample has %d valid organizations of %d; want at least 3 and some invalid", valid, len(want))
	}

	var stdout, stderr bytes.Buffer
	run([]string{"testdata/sample.jsonl"}, nil, &stdout, &stderr)
	got := decodeRecords(t, stdout.String())
	if diff := cmp.Diff(want, got, anyError); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// TestStreams feeds input one line at a time through a pipe and expects
// each record, an error's too, before the next line is written.
func TestStreams(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(nil, inR, outW, &stderr)
		outW.Close()
	}()
	out := bufio.NewReader(outR)
	for i := range 3 {
		fmt.Fprintf(inW, `{"name": "org%d", "public_beta": true}`+"\n", i)
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("reading result %d: %v", i, err)
		}
		want := fmt.Sprintf(`{"line":%d,"organization":"org%d","outcome":"no-change"}`+"\n", i+1, i)
		if line != want {
			t.Errorf("result %d = %q, want %q", i, line, want)
		}
	}
	// A malformed line's record comes as promptly.
	fmt.Fprintf(inW, `{"name": "org3"`+"\n")
	line, err := out.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the error record: %v", err)
	}
	if want := `{"line":4,"error":"invalid JSON at byte 15: unexpected end of JSON input"}` + "\n"; line != want {
		t.Errorf("error record = %q, want %q", line, want)
	}
	inW.Close()
	if rest, _ := io.ReadAll(out); len(rest) != 0 {
		t.Errorf("unexpected output %q", rest)
	}
	if code := <-done; code != exitMalformed {
		t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitMalformed, &stderr)
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		max   int
		want  []string // "!" for errLineTooLong
	}{
		{"empty", "", 10, nil},
		{"one line no ending", "abc", 10, []string{"abc"}},
		{"endings", "a\nb\r\nc\n", 10, []string{"a", "b", "c"}},
		{"blank lines kept", "\n\r\n\n", 10, []string{"", "", ""}},
		{"lone CR stays", "a\rb\n", 10, []string{"a\rb"}},
		{"exactly max", "0123456789\n0123456789\r\n0123456789", 10, []string{"0123456789", "0123456789", "0123456789"}},
		{"max plus one", "0123456789x\nok\n0123456789x\r\nok\n0123456789x", 10, []string{"!", "ok", "!", "ok", "!"}},
		{"much longer than the buffer", strings.Repeat("y", 100) + "\nok\n" + strings.Repeat("z", 100), 40, []string{"!", "ok", "!"}},
		{"long lines within max", strings.Repeat("y", 100) + "\n" + strings.Repeat("z", 100) + "\n", 100, []string{strings.Repeat("y", 100), strings.Repeat("z", 100)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The smallest buffer bufio allows, so long lines come in chunks.
			lr := &lineReader{r: bufio.NewReaderSize(strings.NewReader(tt.input), 16), max: tt.max}
			var got []string
			for {
				line, err := lr.next()
				if err == io.EOF {
					break
				}
				switch {
				case errors.Is(err, errLineTooLong):
					got = append(got, "!")
				case err != nil:
					t.Fatal(err)
				default:
					got = append(got, string(line))
				}
				if len(got) > 100 {
					t.Fatal("no end of input")
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if cap(lr.buf) > 2*(tt.max+2+16) { // append may double

				t.Errorf("buffer grew to %d bytes for max %d", cap(lr.buf), tt.max)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	const n = 2*progressEvery + 5
	input := strings.Repeat(`{"name": "o", "public_beta": true}`+"\n", n-1) + `{"name": "bad"`
	var stdout, stderr bytes.Buffer
	c := &classifier{stdout: &stdout, stderr: &stderr, maxLine: defaultMaxLine,
		progress: &progress{w: &stderr, total: int64(len(input))}}
	if code := c.run(strings.NewReader(input), "input"); code != exitMalformed {
		t.Errorf("exit status %d, want %d", code, exitMalformed)
	}
	got := stderr.String()
	// 35 bytes a line: 350000 and 700000 of 700154 bytes.
	want := "\rclassify: 10000 lines, 49%" + "\rclassify: 20000 lines, 99%" + "\r\x1b[K" +
		"classify: line 20005: invalid JSON at byte 14: unexpected end of JSON input\n" +
		"classify: 20005 lines, 20004 organizations classified, 1 malformed\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("stderr starts %q, want %q", got[:min(len(got), len(want)+20)], want)
	}
	if lines := strings.Count(stdout.String(), "\n"); lines != n {
		t.Errorf("%d output lines, want %d", lines, n)
	}
}

func TestProgressPercentUnknownSize(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, total: -1}
	p.show(10000, 123)
	p.clear()
	p.clear() // nothing on screen: writes nothing
	var nilp *progress
	nilp.show(1, 1)
	nilp.clear()
	if got, want := buf.String(), "\rclassify: 10000 lines\r\x1b[K"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, w := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "regular file": f} {
		if isTerminal(w) {
			t.Errorf("isTerminal(%s) = true", name)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	var stderr bytes.Buffer
	code := run(nil, strings.NewReader(clean), failWriter{}, &stderr)
	if code != exitFatal {
		t.Errorf("exit status %d, want %d", code, exitFatal)
	}
	if want := "classify: writing output: disk full\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}

// failReader returns some input, then an error.
type failReader struct{ data string }

func (r *failReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("connection reset")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(nil, &failReader{data: `{"name": "x", "public_beta": true}` + "\n"}, &stdout, &stderr)
	if code != exitFatal {
		t.Errorf("exit status %d, want %d", code, exitFatal)
	}
	if want := `{"line":1,"organization":"x","outcome":"no-change"}` + "\n"; stdout.String() != want {
		t.Errorf("stdout = %q, want %q", stdout.String(), want)
	}
	if want := "classify: reading standard input: connection reset\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}
