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

// TestJSONMatchesClassify checks each output line against Classify itself:
// the organization's name, then exactly the decision's own JSON form.
func TestJSONMatchesClassify(t *testing.T) {
	data, err := os.ReadFile("testdata/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		Organization string
		Decision     migration.Decision
	}
	var want []result
	for line := range strings.Lines(string(data)) {
		var org migration.Organization
		if json.Unmarshal([]byte(line), &org) != nil {
			continue
		}
		d, err := migration.Classify(org)
		if err != nil {
			continue
		}
		want = append(want, result{org.Name, d})
	}
	if len(want) < 3 {
		t.Fatalf("sample has only %d valid organizations", len(want))
	}

	var stdout, stderr bytes.Buffer
	run([]string{"testdata/sample.jsonl"}, nil, &stdout, &stderr)
	var got []result
	for line := range strings.Lines(stdout.String()) {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		var r result
		if err := json.Unmarshal(fields["organization"], &r.Organization); err != nil {
			t.Fatalf("output line %q: organization: %v", line, err)
		}
		delete(fields, "organization")
		rest, _ := json.Marshal(fields)
		if err := json.Unmarshal(rest, &r.Decision); err != nil {
			t.Fatalf("output line %q: decision: %v", line, err)
		}
		if !strings.HasPrefix(line, `{"organization":`) {
			t.Errorf("output line %q does not start with the organization", line)
		}
		got = append(got, r)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestStreams feeds input one line at a time through a pipe and expects
// each result before the next line is written.
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
		want := fmt.Sprintf(`{"organization":"org%d","outcome":"no-change"}`+"\n", i)
		if line != want {
			t.Errorf("result %d = %q, want %q", i, line, want)
		}
	}
	inW.Close()
	if rest, _ := io.ReadAll(out); len(rest) != 0 {
		t.Errorf("unexpected output %q", rest)
	}
	if code := <-done; code != exitOK {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, &stderr)
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
	if lines := strings.Count(stdout.String(), "\n"); lines != n-1 {
		t.Errorf("%d output lines, want %d", lines, n-1)
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
	if want := `{"organization":"x","outcome":"no-change"}` + "\n"; stdout.String() != want {
		t.Errorf("stdout = %q, want %q", stdout.String(), want)
	}
	if want := "classify: reading standard input: connection reset\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}
