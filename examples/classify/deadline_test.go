package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// capWriter keeps what is written to it up to a limit. A write past the
// limit closes over and then blocks forever, so that a program stuck in a
// loop of writes stops using memory and CPU while the test reports it.
type capWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	max  int
	over chan struct{}
	once sync.Once
}

func newCapWriter(max int) *capWriter {
	return &capWriter{max: max, over: make(chan struct{})}
}

func (w *capWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.buf.Len()+len(p) > w.max {
		w.mu.Unlock()
		w.once.Do(func() { close(w.over) })
		select {} // stuck: the test has already failed
	}
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *capWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// runWithin runs the program in-process and fails the test if it has not
// finished within the deadline or writes more than a megabyte, instead of
// letting a hang stall the test run.
func runWithin(t *testing.T, d time.Duration, args []string, stdin string) (code int, stdout, stderr string) {
	t.Helper()
	out, errOut := newCapWriter(1<<20), newCapWriter(1<<20)
	done := make(chan int, 1)
	go func() { done <- run(args, strings.NewReader(stdin), out, errOut) }()
	select {
	case code = <-done:
		return code, out.String(), errOut.String()
	case <-out.over:
		t.Fatalf("classify %s: more than 1 MiB on standard output for %d bytes of input", strings.Join(args, " "), len(stdin))
	case <-errOut.over:
		t.Fatalf("classify %s: more than 1 MiB on standard error for %d bytes of input; it starts:\n%.300s",
			strings.Join(args, " "), len(stdin), errOut.String())
	case <-time.After(d):
		t.Fatalf("classify %s: still running after %v", strings.Join(args, " "), d)
	}
	panic("unreachable")
}

// TestMaxLineFlagBounds runs the program with every kind of -max-line value
// on empty and non-empty input: each run finishes, values in range work,
// and values out of range are a usage error naming the flag and its range.
func TestMaxLineFlagBounds(t *testing.T) {
	const org = `{"name": "beta-co", "public_beta": true}`
	inputs := map[string]string{
		"empty":      "",
		"blank line": "\n",
		"one org":    org + "\n",
		"two orgs":   org + "\r\n" + org,
	}
	tests := []struct {
		value string
		ok    bool // in range
	}{
		{"1", true},
		{"200", true},
		{strconv.Itoa(maxMaxLine), true},
		{strconv.Itoa(maxMaxLine + 1), false},
		{"0", false},
		{"-1", false},
		{strconv.Itoa(math.MaxInt32), false},
		{strconv.Itoa(math.MaxInt - 2), false},
		{strconv.Itoa(math.MaxInt - 1), false},
		{strconv.Itoa(math.MaxInt), false},
		{strconv.Itoa(math.MinInt), false},
		{"9223372036854775808", false},           // MaxInt+1: out of int's range
		{"-9223372036854775809", false},          // MinInt-1
		{"99999999999999999999999999999", false}, // huge
		{"1e9", false},                           // not an integer
	}
	for _, tt := range tests {
		for name, input := range inputs {
			t.Run(tt.value+"/"+name, func(t *testing.T) {
				code, stdout, stderr := runWithin(t, 10*time.Second, []string{"-max-line", tt.value}, input)
				if !tt.ok {
					if code != exitFatal {
						t.Errorf("exit status %d, want %d", code, exitFatal)
					}
					if stdout != "" {
						t.Errorf("stdout = %q, want nothing", stdout)
					}
					if !strings.Contains(stderr, "-max-line") || !strings.Contains(stderr, "usage: classify") {
						t.Errorf("stderr does not name -max-line and show the usage:\n%s", stderr)
					}
					return
				}
				orgs := strings.Count(input, org)
				wantCode := exitOK
				if tt.value == "1" && orgs > 0 {
					wantCode = exitMalformed // every organization is longer than one byte
				}
				if code != wantCode {
					t.Errorf("exit status %d, want %d; stderr:\n%s", code, wantCode, stderr)
				}
				if got := strings.Count(stdout, "\n"); got != orgs {
					t.Errorf("%d records, want %d:\n%s", got, orgs, stdout)
				}
			})
		}
	}
}

// TestMaxLineOutOfRangeMessage pins the words of the usage error.
func TestMaxLineOutOfRangeMessage(t *testing.T) {
	_, _, stderr := runWithin(t, 10*time.Second, []string{"-max-line", strconv.Itoa(math.MaxInt)}, "")
	want := fmt.Sprintf("classify: -max-line %d: out of range (1 to %d bytes)\n", math.MaxInt, maxMaxLine)
	if !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr = %q, want it to start %q", stderr, want)
	}
}

// TestLineReaderAnyMax reads empty and non-empty input with limits at and
// beyond the ends of int's range: every read ends, and a limit at or above
// the line length accepts the line.
func TestLineReaderAnyMax(t *testing.T) {
	for _, max := range []int{math.MaxInt, math.MaxInt - 1, math.MaxInt - 2, maxMaxLine, 1, 0, -1, math.MinInt} {
		for _, input := range []string{"", "\n", "abc", "abc\r\n\r\nxyz\n"} {
			lr := &lineReader{r: bufio.NewReaderSize(strings.NewReader(input), 16), max: max}
			var got []string
			for range len(input) + 2 {
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
			}
			if _, err := lr.next(); err != io.EOF {
				t.Errorf("max %d, input %q: no end of input after %q", max, input, got)
				continue
			}
			want := referenceLines(input, max)
			if len(want) != len(got) {
				t.Errorf("max %d, input %q: got %q, want %d lines", max, input, got, len(want))
			}
		}
	}
}
