package httpauthz

import (
	"log/slog"
	"net/http"
	"time"
)

// The limits of the server [NewServer] returns. A server on the open
// network needs every one of them: without ReadTimeout, a client that
// announces a body and sends it one byte at a time holds its connection,
// and its goroutine, for as long as it likes; without IdleTimeout, so does
// a kept-alive connection that sends nothing more.
const (
	// ReadHeaderTimeout bounds the time to read a request's headers.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds the time to read a whole request, body included.
	// A body still arriving then is cut off: the handler's read fails, and
	// the answer, if any, is the last one on the connection.
	ReadTimeout = 10 * time.Second
	// WriteTimeout bounds the time from the end of a request's headers to
	// the end of its answer. It is longer than ReadTimeout, so that an
	// answer to a request whose body was cut off can still be written. A
	// handler that streams a long answer extends it as it goes, with
	// [http.ResponseController.SetWriteDeadline].
	WriteTimeout = 30 * time.Second
	// IdleTimeout bounds the wait for the next request on a kept-alive
	// connection.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes bounds the size of a request's header lines (the
	// server allows a little slack on top); a request over it gets 431.
	MaxHeaderBytes = 16 << 10
)

// NewServer returns an [http.Server] that serves h with the limits above.
// Set Addr to use ListenAndServe, or call Serve with a listener; change a
// field of the result for a server that needs another limit. The server's own
// errors, such as a failed TLS handshake, go to logger at level Warn; a
// nil logger means [slog.Default].
func NewServer(h http.Handler, logger *slog.Logger) *http.Server {
	if logger == nil {
		logger = slog.Default()
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
