package httpauthz

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/entaccess/entaccess/account"
)

// Log returns a [Hook] that writes each decision to l: allowed requests at
// level Info, refused ones at Warn, with message "authorization" and the
// attributes allowed, user, action ("" for a request refused before
// routing), member, holds, needs, method and path.
// A nil l means [slog.Default].
func Log(l *slog.Logger) Hook {
	return func(r *http.Request, d account.Decision) {
		lg := l
		if lg == nil {
			lg = slog.Default()
		}
		level := slog.LevelInfo
		if !d.Allowed {
			level = slog.LevelWarn
		}
		ctx := context.Background()
		if r != nil {
			ctx = r.Context()
		}
		if !lg.Enabled(ctx, level) {
			return
		}
		action := "" // refused before routing: no action was asked for
		if d.Action != 0 {
			action = d.Action.String()
		}
		attrs := []slog.Attr{
			slog.Bool("allowed", d.Allowed),
			slog.String("user", d.User),
			slog.String("action", action),
			slog.Bool("member", d.Member),
			slog.String("holds", d.Holds.String()),
			slog.String("needs", d.Needs.String()),
		}
		if r != nil {
			attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path))
		}
		lg.LogAttrs(ctx, level, "authorization", attrs...)
	}
}
