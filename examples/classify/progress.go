package main

import (
	"fmt"
	"io"
)

// A progress writes a progress line to a terminal, rewriting it in place.
// A nil *progress writes nothing.
type progress struct {
	w     io.Writer
	total int64 // input size in bytes; -1 when unknown
	shown bool  // a progress line is on screen
}

// show writes how many lines and bytes have been read.
func (p *progress) show(lines int, read int64) {
	if p == nil {
		return
	}
	if p.total > 0 {
		fmt.Fprintf(p.w, "\rclassify: %d lines, %d%%", lines, read*100/p.total)
	} else {
		fmt.Fprintf(p.w, "\rclassify: %d lines", lines)
	}
	p.shown = true
}

// clear erases the progress line, so other messages start on a clean line.
func (p *progress) clear() {
	if p == nil || !p.shown {
		return
	}
	io.WriteString(p.w, "\r\x1b[K")
	p.shown = false
}
