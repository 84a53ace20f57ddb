// Command classify decides, for each organization in a JSON Lines file, what
// happens to it when Enterprise Accounts become generally available, with
// [migration.Classify].
//
// Usage:
//
//	classify [-table] [-max-line BYTES] [FILE]
//
// It reads one organization per line from FILE, or from standard input when
// FILE is absent or "-", in the JSON form of [migration.Organization]:
//
//	{"name": "acme", "public_beta": false, "teams": [{"name": "web", "licensed": true, "members": [{"user": "alice", "role": "admin"}]}]}
//
// It writes one record to standard output for every line that is not
// blank, in input order, each on one line of JSON that starts with the
// line's number (counting from 1, blank lines included), so that output
// can be joined to input. A classified organization's record holds its
// name, then the [migration.Decision]:
//
//	{"line":1,"organization":"acme","outcome":"automatic","account":{...}}
//
// A line that cannot be classified (bad JSON, an unknown role, a repeated
// team name, a line longer than -max-line) gets a record with the error in
// place of the decision, and the run goes on with the next line:
//
//	{"line":2,"error":"invalid JSON at byte 44: unexpected end of JSON input"}
//
// A record has an "outcome" or an "error", never both. The same error also
// goes to standard error, as "classify: line 2: ...", so that it shows when
// standard output is redirected to a file. Blank lines (empty or only white
// space) hold no organization and get no record. At the end a summary of
// counts per outcome and per reason goes to standard error.
//
// With -table it writes a table for people to read instead, one row per
// record, with "error" as the outcome of a line that cannot be classified.
// The table shows odd characters escaped, never raw, so that a name cannot
// hide an invisible character, a combining mark or an unusual space, nor
// disturb the terminal: printable ASCII and the letters and digits of any
// script (such as "é") print as themselves, and every other character
// appears escaped as in a Go string, such as \u200b for a zero-width space, \u0301 for a
// combining accent or \u00a0 for a no-break space. An organization whose
// name needs escaping, or holds a double quote, a backslash or a space at
// either end, is shown in double quotes, as Go would quote it.
//
// -max-line bounds the memory one line may take; it must be between 1 and
// 1073741824 (1 GiB), and the default is 16 MiB.
//
// The input streams: memory use depends on the longest line, not on the
// number of lines. When standard error is a terminal and standard output
// is not, a progress line shows how far a large input has got.
//
// Exit status: 0 when every organization was classified, 1 when some line
// could not be, 2 for a usage error or when the input cannot be read or the
// output written.
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
	"strconv"
	"strings"

	"github.com/entaccess/entaccess/migration"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK        = 0 // every organization classified
	exitMalformed = 1 // some line could not be classified
	exitFatal     = 2 // usage error, or the input or output failed
)

// defaultMaxLine is the default for -max-line: generous, but a bound.
const defaultMaxLine = 16 << 20

// maxMaxLine is the largest -max-line accepted: 1 GiB.
const maxMaxLine = 1 << 30

// progressEvery is how many lines pass between progress updates; inputs
// shorter than this never show one.
const progressEvery = 10000

// run is the program: it parses args, classifies what it reads, and returns
// the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &classifier{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&c.table, "table", false, "write a table for people to read instead of JSON Lines")
	fs.IntVar(&c.maxLine, "max-line", defaultMaxLine, fmt.Sprintf("the longest line to accept, in bytes, from 1 to %d", maxMaxLine))
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: classify [-table] [-max-line BYTES] [FILE]")
		fmt.Fprintln(stderr, "Classifies the organizations in FILE (JSON Lines; standard input if absent or -).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitFatal
	}
	if c.maxLine < 1 || c.maxLine > maxMaxLine {
		fmt.Fprintf(stderr, "classify: -max-line %d: out of range (1 to %d bytes)\n", c.maxLine, maxMaxLine)
		fs.Usage()
		return exitFatal
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return exitFatal
	}

	in, name, size := stdin, "standard input", int64(-1)
	if path := fs.Arg(0); path != "" && path != "-" {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "classify: %v\n", err)
			return exitFatal
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		in, name = f, path
	}
	// Progress only when stdout goes elsewhere: on a shared terminal the
	// output itself shows progress, and the two would garble each other.
	if isTerminal(stderr) && !isTerminal(stdout) {
		c.progress = &progress{w: stderr, total: size}
	}
	return c.run(in, name)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// A classifier holds the settings and counts of one run.
type classifier struct {
	stdout, stderr io.Writer
	table          bool
	maxLine        int
	progress       *progress // nil: no progress line

	out       *bufio.Writer
	enc       bytes.Buffer // one encoded output line
	lines     int          // lines read, blank ones too
	malformed int
	outcomes  [migration.Manual + 1]int
	reasons   [migration.NoLicensedTeam + 1]int
}

// run classifies every line of in, whose name is used in read errors, and
// returns the exit status.
func (c *classifier) run(in io.Reader, name string) int {
	c.out = bufio.NewWriter(c.stdout)
	counted := &countingReader{r: in}
	lr := &lineReader{r: bufio.NewReaderSize(counted, 64<<10), max: c.maxLine}
	if c.table {
		fmt.Fprintf(c.out, "%-6s %-24s %-10s %s\n", "LINE", "ORGANIZATION", "OUTCOME", "DETAIL")
	}
	for {
		// Flush before a read that may block, so output keeps up with
		// input arriving slowly (a pipe, a terminal).
		if lr.r.Buffered() == 0 {
			if err := c.out.Flush(); err != nil {
				return c.fatal("writing output: %v", err)
			}
		}
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		c.lines++
		if c.progress != nil && c.lines%progressEvery == 0 {
			c.progress.show(c.lines, counted.n-int64(lr.r.Buffered()))
		}
		switch {
		case errors.Is(err, errLineTooLong):
			err = fmt.Errorf("longer than %d bytes (see -max-line)", c.maxLine)
		case err != nil:
			c.progress.clear()
			return c.fatal("reading %s: %v", name, err)
		case len(bytes.TrimSpace(line)) == 0:
			continue
		default:
			err = c.classify(line)
		}
		if err != nil && !errors.Is(err, errWrite) {
			err = c.lineError(err)
		}
		if err != nil {
			c.progress.clear()
			return c.fatal("%v", err)
		}
	}
	if err := c.out.Flush(); err != nil {
		return c.fatal("writing output: %v", err)
	}
	c.progress.clear()
	c.summary()
	if c.malformed > 0 {
		return exitMalformed
	}
	return exitOK
}

// errWrite marks a failure to write the output, which ends the run.
var errWrite = errors.New("writing output")

// classify decodes and classifies one line and writes the result.
func (c *classifier) classify(line []byte) error {
	var org migration.Organization
	if err := json.Unmarshal(line, &org); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
		}
		return err
	}
	d, err := migration.Classify(org)
	if err != nil {
		return err
	}
	c.outcomes[d.Outcome]++
	for _, r := range d.Reasons {
		c.reasons[r]++
	}
	if c.table {
		detail := strings.TrimPrefix(d.String(), d.Outcome.String()+": ")
		err = c.writeRow(tableName(org.Name), d.Outcome.String(), detail)
	} else {
		err = c.writeJSON(org.Name, d)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errWrite, err)
	}
	return nil
}

// writeRow writes one row of the table for the current line; shownName is
// the organization's name as tableName shows it, or "" for none.
func (c *classifier) writeRow(shownName, outcome, detail string) error {
	_, err := fmt.Fprintf(c.out, "%-6d %-24s %-10s %s\n", c.lines, shownName, outcome, tableText(detail))
	return err
}

// writeJSON writes {"line": n, "organization": name, ...the fields of d...}
// as one line. The decision is encoded by its own JSON form, so the line
// carries whatever that form holds.
func (c *classifier) writeJSON(name string, d migration.Decision) error {
	c.enc.Reset()
	enc := json.NewEncoder(&c.enc)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return err
	}
	b := c.enc.Bytes() // {"outcome":...}\n
	if len(b) < 2 || b[0] != '{' {
		return fmt.Errorf("decision encoded as %q, not an object", b)
	}
	c.out.WriteString(`{"line":`)
	c.out.WriteString(strconv.Itoa(c.lines))
	c.out.WriteString(`,"organization":`)
	c.out.Write(quote(name))
	if b[1] != '}' {
		c.out.WriteByte(',')
	}
	_, err := c.out.Write(b[1:])
	return err
}

// writeErrorJSON writes {"line": n, "error": msg} as one line.
func (c *classifier) writeErrorJSON(msg string) error {
	c.out.WriteString(`{"line":`)
	c.out.WriteString(strconv.Itoa(c.lines))
	c.out.WriteString(`,"error":`)
	c.out.Write(quote(msg))
	_, err := c.out.WriteString("}\n")
	return err
}

// quote returns s as a JSON string, without HTML escaping.
func quote(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// lineError reports a line that could not be classified: a record on
// standard output, then the same error on standard error. It returns an
// error wrapping errWrite when the record cannot be written.
func (c *classifier) lineError(lineErr error) error {
	c.malformed++
	msg := lineErr.Error()
	var err error
	if c.table {
		err = c.writeRow("", "error", msg)
	} else {
		err = c.writeErrorJSON(msg)
	}
	// Flush so that on a terminal the error shows after the lines before it.
	if err == nil {
		err = c.out.Flush()
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errWrite, err)
	}
	c.progress.clear()
	fmt.Fprintf(c.stderr, "classify: line %d: %s\n", c.lines, msg)
	return nil
}

// fatal reports an error that ends the run and returns its exit status.
func (c *classifier) fatal(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "classify: %s\n", fmt.Sprintf(format, args...))
	return exitFatal
}

// summary writes the counts per outcome and per reason to standard error.
func (c *classifier) summary() {
	classified := 0
	for _, n := range c.outcomes {
		classified += n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "classify: %s, %s classified", count(c.lines, "line"), count(classified, "organization"))
	if c.malformed > 0 {
		fmt.Fprintf(&b, ", %d malformed", c.malformed)
	}
	b.WriteString("\nclassify: outcomes:")
	for o := migration.NoChange; o <= migration.Manual; o++ {
		sep := ", "
		if o == migration.NoChange {
			sep = " "
		}
		fmt.Fprintf(&b, "%s%s %d", sep, o, c.outcomes[o])
	}
	b.WriteString("\nclassify: manual reasons:")
	for r := migration.MultipleLicensedTeams; r <= migration.NoLicensedTeam; r++ {
		sep := ", "
		if r == migration.MultipleLicensedTeams {
			sep = " "
		}
		fmt.Fprintf(&b, "%s%s %d", sep, r, c.reasons[r])
	}
	b.WriteByte('\n')
	io.WriteString(c.stderr, b.String())
}

// count returns "1 line", "3 lines".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
