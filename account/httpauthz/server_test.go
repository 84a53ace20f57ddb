package httpauthz_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account/httpauthz"
)

// TestNewServerLimits: the server has every limit, each as documented, and
// a read timeout shorter than the write timeout, so that the answer to a
// request whose body was cut off can still be written.
func TestNewServerLimits(t *testing.T) {
	srv := httpauthz.NewServer(http.NotFoundHandler(), nil)
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"ReadHeaderTimeout", srv.ReadHeaderTimeout, httpauthz.ReadHeaderTimeout},
		{"ReadTimeout", srv.ReadTimeout, httpauthz.ReadTimeout},
		{"WriteTimeout", srv.WriteTimeout, httpauthz.WriteTimeout},
		{"IdleTimeout", srv.IdleTimeout, httpauthz.IdleTimeout},
	} {
		if c.got != c.want || c.got <= 0 {
			t.Errorf("%s = %v, want %v (and more than 0)", c.name, c.got, c.want)
		}
	}
	if srv.MaxHeaderBytes != httpauthz.MaxHeaderBytes || srv.MaxHeaderBytes <= 0 {
		t.Errorf("MaxHeaderBytes = %d, want %d", srv.MaxHeaderBytes, httpauthz.MaxHeaderBytes)
	}
	if !(srv.ReadHeaderTimeout <= srv.ReadTimeout && srv.ReadTimeout < srv.WriteTimeout) {
		t.Errorf("ReadHeaderTimeout %v, ReadTimeout %v, WriteTimeout %v: want them in increasing order", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout)
	}
	if srv.ErrorLog == nil {
		t.Error("no ErrorLog")
	}
}

// startServer serves h with NewServer's setup, its timeouts scaled down to
// readTimeout (header and idle timeouts alike) so that the test is quick.
func startServer(t *testing.T, h http.Handler, readTimeout time.Duration) string {
	t.Helper()
	srv := httpauthz.NewServer(h, nil)
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout = readTimeout, readTimeout, readTimeout
	srv.WriteTimeout = 4 * readTimeout
	ts := httptest.NewUnstartedServer(h)
	ts.Config = srv
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.Listener.Addr().String()
}

// TestSlowBody: an anonymous request that announces a body of 1000 bytes
// and sends one is answered 401, its connection closed, within the read
// timeout, instead of being held while the server waits for the rest.
func TestSlowBody(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	addr := startServer(t, hiddenServer(t), readTimeout)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nx"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * readTimeout)) // only so that a failing test ends
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	rest, err := io.ReadAll(res.Body)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(rest), "unidentified") {
		t.Errorf("answer %s, want 401\n%s", res.Status, rest)
	}
	if !res.Close {
		t.Error("the connection is kept open after a body was cut off; want it closed")
	}
	if elapsed > 2*readTimeout {
		t.Errorf("answered after %v, want within the read timeout (%v) and a margin", elapsed, readTimeout)
	}
}

// TestSlowBodyRead: a handler reading a body that stops arriving gets an
// error within the read timeout.
func TestSlowBodyRead(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	readErr := make(chan error, 1)
	addr := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	}), readTimeout)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "POST /members HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-readErr:
		if err == nil {
			t.Error("the handler read the whole body of a request that sent 1 byte of 1000")
		}
		if elapsed := time.Since(start); elapsed > 2*readTimeout {
			t.Errorf("the read failed after %v, want within the read timeout (%v) and a margin", elapsed, readTimeout)
		}
	case <-time.After(20 * readTimeout):
		t.Fatal("the handler is still reading the body")
	}
}

// TestIdleConnection: a kept-alive connection that sends nothing more is
// closed after the idle timeout.
func TestIdleConnection(t *testing.T) {
	const timeout = 300 * time.Millisecond
	addr := startServer(t, hiddenServer(t), timeout)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /usage HTTP/1.1\r\nHost: x\r\nX-User: bob\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(20 * timeout))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the answer: %v, want the server to close the connection", err)
	}
	if elapsed := time.Since(start); elapsed > 3*timeout {
		t.Errorf("closed after %v idle, want about %v", elapsed, timeout)
	}
}

// TestHeaderLimit: a request whose headers exceed MaxHeaderBytes gets 431.
func TestHeaderLimit(t *testing.T) {
	addr := startServer(t, hiddenServer(t), 5*time.Second)
	req, _ := http.NewRequest("GET", "http://"+addr+"/usage", nil)
	req.Header.Set("X-User", "bob")
	req.Header.Set("X-Padding", strings.Repeat("a", httpauthz.MaxHeaderBytes+8<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", res.StatusCode)
	}
}
