package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
)

// A history is an account's audit log: every committed step with a
// revision after after, oldest first. [journal.Journal.Events] is one.
type history func(ctx context.Context, after uint64) iter.Seq2[account.Event, error]

// auditContentType is the media type of the audit log: JSON Lines, one
// JSON object per line, each line ending in "\n".
const auditContentType = "application/jsonl"

// auditLog answers GET /settings/audit-log: the account's committed steps,
// oldest first, as JSON Lines, each line an [account.Event] in its JSON
// form: every key always present, "" meaning none (team for member steps,
// user for renaming and deleting teams, before or after where the target
// was absent), the commit time in UTC, RFC 3339 with nanoseconds. ?after=N lists only those with revisions
// after N. The log is streamed as it is read, extending the server's
// write deadline as it goes, so that a long log is not cut off by
// [httpauthz.WriteTimeout] while it is still moving; if reading fails once
// lines have been sent, the connection is cut, so that a client never
// takes a truncated log for a whole one.
func auditLog(events history, logger *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var after uint64
		if q := r.URL.Query(); q.Has("after") {
			v, err := strconv.ParseUint(q.Get("after"), 10, 64)
			if err != nil {
				httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest,
					Detail: fmt.Sprintf("query after: %q is not a revision", q.Get("after"))})
				return
			}
			after = v
		}
		var out *bufio.Writer
		var enc *json.Encoder
		rc := http.NewResponseController(w)
		extended := time.Now()
		for e, err := range events(r.Context(), after) {
			if err != nil {
				logger.LogAttrs(r.Context(), slog.LevelError, "audit log", slog.String("err", err.Error()))
				if out == nil {
					httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError})
					return
				}
				out.Flush()
				panic(http.ErrAbortHandler) // the server cuts the connection without logging a panic
			}
			if out == nil {
				w.Header().Set("Content-Type", auditContentType)
				w.WriteHeader(http.StatusOK)
				out = bufio.NewWriterSize(w, 32<<10)
				enc = json.NewEncoder(out)
				enc.SetEscapeHTML(false)
			}
			if err := enc.Encode(e); err != nil {
				return // the client went away
			}
			if now := time.Now(); now.Sub(extended) > time.Second {
				rc.SetWriteDeadline(now.Add(httpauthz.WriteTimeout)) // an error only says the writer has no deadline
				extended = now
			}
		}
		if out == nil {
			w.Header().Set("Content-Type", auditContentType)
			w.WriteHeader(http.StatusOK)
			return
		}
		out.Flush()
	}
}
