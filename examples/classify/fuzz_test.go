package main

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
