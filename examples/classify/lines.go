package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// errLineTooLong is returned for a line longer than the limit.
var errLineTooLong = errors.New("line too long")

// A lineReader reads lines of at most max bytes, not counting the line
// ending ("\n" or "\r\n"). Any max is safe; one below zero makes every
// line too long. Unlike bufio.Scanner it reports an overlong line
// and goes on with the next one, and its memory use is bounded by max.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte // the current line; reused
}

// next returns the next line without its line ending, valid until the next
// call. For a line longer than max it consumes the whole line and returns
// errLineTooLong. At the end of input it returns io.EOF; a last line
// without a line ending is still a line.
func (lr *lineReader) next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	tooLong := false
	read := 0 // bytes of this line read so far, kept or not
	for {
		chunk, err := lr.r.ReadSlice('\n')
		read += len(chunk)
		// Room for "\r\n" after max bytes, written so that no max, however
		// large or small, overflows: len(lr.buf)+len(chunk)-2 >= -2.
		if !tooLong {
			if len(lr.buf)+len(chunk)-2 > lr.max {
				tooLong = true
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if read == 0 {
				return nil, io.EOF
			}
		default:
			return nil, err
		}
		break
	}
	line := bytes.TrimSuffix(lr.buf, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if tooLong || len(line) > lr.max {
		return nil, errLineTooLong
	}
	return line, nil
}

// A countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
