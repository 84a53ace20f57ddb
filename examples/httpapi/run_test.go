package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account/httpauthz"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRunLogs: run logs one bounded line when it starts, naming no users,
// and exactly one when it stops, whether it stops when told to or on an
// error.
func TestRunLogs(t *testing.T) {
	var out syncBuffer
	logger := slog.New(slog.NewTextHandler(&out, nil))
	ln, addr := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, ln, t.TempDir(), logger) }()
	waitServing(t, addr)
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	var listening []string
	stopped := 0
	for line := range strings.Lines(out.String()) {
		switch {
		case strings.Contains(line, "msg=listening"):
			listening = append(listening, line)
		case strings.Contains(line, "msg=stopped"):
			stopped++
			if !strings.Contains(line, "level=INFO") {
				t.Errorf("stopped when told to, logged as %q", line)
			}
		}
	}
	if len(listening) != 1 || stopped != 1 {
		t.Fatalf("%d listening and %d stopped lines, want 1 of each:\n%s", len(listening), stopped, out.String())
	}
	for _, want := range []string{"account=acme", "members=4", "teams=2"} {
		if !strings.Contains(listening[0], want) {
			t.Errorf("the listening line does not say %s: %q", want, listening[0])
		}
	}
	for _, user := range []string{"alice", "bob", "carol", "dave"} {
		if strings.Contains(listening[0], user) {
			t.Errorf("the listening line names user %s: %q", user, listening[0])
		}
	}

	// Stopped by an error: one line, with the error.
	out.mu.Lock()
	out.buf.Reset()
	out.mu.Unlock()
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ln, _ = listen(t)
	if err := run(context.Background(), ln, notDir, logger); err == nil {
		t.Fatal("run on a file as its data directory: no error")
	}
	if n := strings.Count(out.String(), "msg=stopped"); n != 1 || !strings.Contains(out.String(), "level=ERROR msg=stopped err=") {
		t.Errorf("after an error, the log is\n%s\nwant one ERROR stopped line with the error", out.String())
	}
}

// TestSlowBodyCutOff: an anonymous request announcing a body of 1000
// bytes and sending one is answered within the server's read timeout,
// its connection closed, instead of being held while the server waits
// for the rest.
func TestSlowBodyCutOff(t *testing.T) {
	t.Parallel()
	ln, addr := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, ln, t.TempDir(), slog.New(slog.DiscardHandler)) }()
	defer func() { cancel(); <-errc }()
	waitServing(t, addr)

	conn, err := net.Dial("tcp", strings.TrimPrefix(addr, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(start.Add(3 * httpauthz.ReadTimeout)) // only so that a failing test ends
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer after %v: %v", time.Since(start), err)
	}
	res.Body.Close()
	if elapsed := time.Since(start); res.StatusCode != http.StatusUnauthorized || elapsed > httpauthz.ReadTimeout+2*time.Second {
		t.Errorf("%s after %v, want 401 within the read timeout, %v", res.Status, elapsed, httpauthz.ReadTimeout)
	}
	if !res.Close {
		t.Error("the connection stays open after its body was cut off")
	}
}
