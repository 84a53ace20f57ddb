package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
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

// runLogged runs the command until it is stopped and returns its log.
func runLogged(t *testing.T, args ...string) string {
	t.Helper()
	var out syncBuffer
	logger := slog.New(slog.NewTextHandler(&out, nil))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, logger, ready) }()
	select {
	case <-ready:
		cancel()
		<-errc
	case <-errc:
		cancel()
	}
	return out.String()
}

// TestRunLogs: one line when the server starts and one when it stops; one
// line when it cannot start.
func TestRunLogs(t *testing.T) {
	log := runLogged(t, "-demo-sign-in")
	if strings.Count(log, "msg=\"dashboard listening\"") != 1 || strings.Count(log, "msg=stopped") != 1 || !strings.Contains(log, "level=INFO msg=stopped") {
		t.Errorf("log of a run stopped when told to:\n%s\nwant one listening and one INFO stopped line", log)
	}
	log = runLogged(t, "-demo-sign-in", "-orgs", "no-such-file.jsonl")
	if strings.Count(log, "msg=") != 1 || !strings.Contains(log, `level=ERROR msg="not started" err=`) {
		t.Errorf("log of a run that could not start:\n%s\nwant one ERROR not started line", log)
	}
}

// TestHostsDefault: on a loopback address, the dashboard answers the
// loopback names with its port, and refuses any other host name.
func TestHostsDefault(t *testing.T) {
	addr, _ := start(t)
	_, port, _ := net.SplitHostPort(addr)
	for host, want := range map[string]int{
		"127.0.0.1:" + port:        200,
		"localhost:" + port:        200,
		"LocalHost:" + port:        200,
		"[::1]:" + port:            200,
		"localhost":                421,
		"evil.example:" + port:     421,
		"127.0.0.1.nip.io:" + port: 421,
	} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/login", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET /login for host %q: %d, want %d", host, res.StatusCode, want)
		}
	}
}

// TestUserHeader: with -user-header, the proxy's header names the user,
// and there is no demo sign-in.
func TestUserHeader(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-user-header", "X-Forwarded-User"}, io.Discard, slog.New(slog.DiscardHandler), ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		t.Fatal(err)
	}
	get := func(path, user string) int {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if user != "" {
			req.Header.Set("X-Forwarded-User", user)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, c := range []struct {
		path, user string
		want       int
	}{
		{"/settings", "mike", 200}, {"/settings", "dave", 404}, {"/settings", "", 404}, {"/login", "", 404}, {"/usage", "bob", 200},
	} {
		if got := get(c.path, c.user); got != c.want {
			t.Errorf("GET %s as %q: %d, want %d", c.path, c.user, got, c.want)
		}
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("run: %v", err)
	}
}

// TestSlowBody: a request announcing a body of 1000 bytes and sending one
// is answered within the server's read timeout, its connection closed.
func TestSlowBody(t *testing.T) {
	t.Parallel()
	addr, _ := start(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	begin := time.Now()
	if _, err := io.WriteString(conn, "POST /nope HTTP/1.1\r\nHost: "+addr+"\r\nContent-Length: 1000\r\n\r\nx"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(begin.Add(3 * httpauthz.ReadTimeout)) // only so that a failing test ends
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer after %v: %v", time.Since(begin), err)
	}
	res.Body.Close()
	if elapsed := time.Since(begin); res.StatusCode != http.StatusNotFound || elapsed > httpauthz.ReadTimeout+2*time.Second {
		t.Errorf("%s after %v, want 404 within the read timeout, %v", res.Status, elapsed, httpauthz.ReadTimeout)
	}
	if !res.Close {
		t.Error("the connection stays open after its body was cut off")
	}
}
