package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/migration"
)

// A got is one result of lineReader.next.
type got struct {
	Line    string
	TooLong bool
}

// referenceLines splits input the simple way: on "\n", with one "\r"
// trimmed from each line's end and no line after a final "\n"; a line
// longer than max is reported as too long.
func referenceLines(input string, max int) []got {
	if input == "" {
		return nil
	}
	var out []got
	for _, p := range strings.Split(strings.TrimSuffix(input, "\n"), "\n") {
		p = strings.TrimSuffix(p, "\r")
		if len(p) > max {
			out = append(out, got{TooLong: true})
		} else {
			out = append(out, got{Line: p})
		}
	}
	return out
}

// FuzzLineReader checks lineReader against referenceLines, with the
// smallest bufio buffer so that lines arrive in pieces.
func FuzzLineReader(f *testing.F) {
	for _, s := range []string{"", "\n", "a\r\nb", "0123456789abcdefghij\n\r\n", "x\r\r\n", strings.Repeat("y", 40) + "\nz"} {
		f.Add(s, uint8(5))
		f.Add(s, uint8(20))
	}
	f.Fuzz(func(t *testing.T, input string, max uint8) {
		m := int(max) + 1
		lr := &lineReader{r: bufio.NewReaderSize(strings.NewReader(input), 16), max: m}
		var lines []got
		for {
			line, err := lr.next()
			if err == io.EOF {
				break
			}
			switch {
			case errors.Is(err, errLineTooLong):
				lines = append(lines, got{TooLong: true})
			case err != nil:
				t.Fatal(err)
			default:
				lines = append(lines, got{Line: string(line)})
			}
			if len(lines) > len(input)+1 {
				t.Fatal("more lines than bytes")
			}
		}
		if diff := cmp.Diff(referenceLines(input, m), lines); diff != "" {
			t.Errorf("lines of %q, max %d (-want +got):\n%s", input, m, diff)
		}
		if cap(lr.buf) > 2*(m+2+16) {
			t.Errorf("buffer grew to %d bytes for max %d", cap(lr.buf), m)
		}
	})
}

// FuzzRun runs the program on arbitrary input with a small -max-line and
// checks it against a reference built from the library alone: each line
// that is not blank gets one record, in order, under its own number: the
// organization's name and the decision Classify makes, or an error that
// also goes to standard error; the exit status says which happened.
// Seeds are in testdata/fuzz/FuzzRun.
func FuzzRun(f *testing.F) {
	f.Fuzz(func(t *testing.T, input string, max uint8) {
		m := int(max) + 1
		var out, errOut bytes.Buffer
		code := run([]string{"-max-line", strconv.Itoa(m)}, strings.NewReader(input), &out, &errOut)

		var want []record
		var wantBad []int
		for i, l := range referenceLines(input, m) {
			switch {
			case l.TooLong:
				wantBad = append(wantBad, i+1)
				want = append(want, record{Line: i + 1, Error: "?"})
				continue
			case strings.TrimSpace(l.Line) == "":
				continue
			}
			var org migration.Organization
			err := json.Unmarshal([]byte(l.Line), &org)
			var d migration.Decision
			if err == nil {
				d, err = migration.Classify(org)
			}
			if err != nil {
				wantBad = append(wantBad, i+1)
				want = append(want, record{Line: i + 1, Error: "?"})
				continue
			}
			want = append(want, record{Line: i + 1, Organization: org.Name, Decision: d})
		}

		got := decodeRecords(t, out.String())
		if diff := cmp.Diff(want, got, anyError); diff != "" {
			t.Errorf("records of %q (-want +got):\n%s", input, diff)
		}
		var bad []int
		for line := range strings.Lines(errOut.String()) {
			if m := lineErr.FindStringSubmatch(line); m != nil {
				k, _ := strconv.Atoi(m[1])
				bad = append(bad, k)
			}
		}
		if diff := cmp.Diff(wantBad, bad); diff != "" {
			t.Errorf("lines reported for %q (-want +got):\n%s\nstderr:\n%s", input, diff, &errOut)
		}
		wantCode := exitOK
		if len(wantBad) > 0 {
			wantCode = exitMalformed
		}
		if code != wantCode {
			t.Errorf("exit status %d, want %d; stderr:\n%s", code, wantCode, &errOut)
		}
	})
}
