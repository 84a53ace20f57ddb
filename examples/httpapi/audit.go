package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
)

// auditContentType is the media type of the audit log: JSON Lines, one
// JSON object per line, each line ending in "\n".
const auditContentType = "application/jsonl"

// auditLog answers GET /settings/audit-log: the account's committed steps,
// oldest first, as JSON Lines, each line an [account.Event] in its JSON
// form: every key always present, "" meaning none (team for member steps,
// user for renaming and deleting teams, before or after where the target
// was absent), the commit time in UTC, RFC 3339 with nanoseconds.
//
// The query narrows the log: ?after=N lists only steps with revisions
// after N; ?user=U only steps U took or that concern U (actor or user is
// U); ?since=T and ?until=T (RFC 3339) only steps committed at or after
// since and before until. A value that does not parse, an empty user, or
// an until before since is 400, naming the parameter.
//
// The log is streamed as it is read, extending the server's
// write deadline as it goes, so that a long log is not cut off by
// [httpauthz.WriteTimeout] while it is still moving; if reading fails once
// lines have been sent, the connection is cut, so that a client never
// takes a truncated log for a whole one.
func auditLog(h account.History, logger *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := parseAuditFilter(r.URL.Query())
		if err != nil {
			badQuery(w, err)
			return
		}
		var out *bufio.Writer
		var enc *json.Encoder
		rc := http.NewResponseController(w)
		extended := time.Now()
		for e, err := range h.Events(r.Context(), f.after) {
			if err != nil {
				logger.LogAttrs(r.Context(), slog.LevelError, "audit log", slog.String("err", err.Error()))
				if out == nil {
					httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError})
					return
				}
				out.Flush()
				panic(http.ErrAbortHandler) // the server cuts the connection without logging a panic
			}
			if now := time.Now(); now.Sub(extended) > time.Second {
				rc.SetWriteDeadline(now.Add(httpauthz.WriteTimeout)) // an error only says the writer has no deadline
				extended = now
			}
			if !f.keep(e) { // skipped steps extend the deadline too: the next line may be far off
				continue
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
		}
		if out == nil {
			w.Header().Set("Content-Type", auditContentType)
			w.WriteHeader(http.StatusOK)
			return
		}
		out.Flush()
	}
}

// auditFilter is the query of GET /settings/audit-log.
type auditFilter struct {
	after        uint64
	user         string    // "" for every user
	since, until time.Time // zero for no bound
}

// keep reports whether e passes f (f.after is applied by the reading).
func (f auditFilter) keep(e account.Event) bool {
	if f.user != "" && e.Actor != f.user && e.User != f.user {
		return false
	}
	if !f.since.IsZero() && e.Time.Before(f.since) {
		return false
	}
	if !f.until.IsZero() && !e.Time.Before(f.until) {
		return false
	}
	return true
}

// parseAuditFilter reads the audit log's query; the error names the
// parameter at fault.
func parseAuditFilter(q url.Values) (auditFilter, error) {
	var f auditFilter
	if q.Has("after") {
		v, err := strconv.ParseUint(q.Get("after"), 10, 64)
		if err != nil {
			return f, fmt.Errorf("query after: %q is not a revision", q.Get("after"))
		}
		f.after = v
	}
	if q.Has("user") {
		if f.user = q.Get("user"); f.user == "" {
			return f, errors.New("query user: empty: name a user, or leave the parameter out for every user")
		}
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.since}, {"until", &f.until}} {
		if !q.Has(p.name) {
			continue
		}
		v, err := time.Parse(time.RFC3339Nano, q.Get(p.name))
		if err != nil {
			return f, fmt.Errorf("query %s: %q is not an RFC 3339 time, such as 2026-05-04T09:30:00Z", p.name, q.Get(p.name))
		}
		*p.t = v
	}
	if !f.since.IsZero() && !f.until.IsZero() && f.until.Before(f.since) {
		return f, fmt.Errorf("query until: %s is before since, %s", f.until.Format(time.RFC3339Nano), f.since.Format(time.RFC3339Nano))
	}
	return f, nil
}

// badQuery answers 400 for a query that does not parse, saying why.
func badQuery(w http.ResponseWriter, err error) {
	httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest, Detail: err.Error()})
}
