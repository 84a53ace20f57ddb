package otel

import (
	"context"
	"fmt"
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// Decisions returns a hook for package httpauthz's OnDecision option
// (httpauthz.OnDecision(h)) that counts the guard's decisions in the
// metric entaccess.decisions, with the attributes allowed (true or false)
// and action (its name, or "" for a request refused before routing), and
// adds an event entaccess.decision with the same attributes to the
// request's span, when it records one. It never touches Can: it sees only
// the decision the guard already made, and records it without allocating.
// The options are those of [Hooks]; the tracer provider is not used, as
// the event goes to the request's own span.
func Decisions(opts ...Option) (func(*http.Request, account.Decision), error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	counter, err := c.mp.Meter(ScopeName).Int64Counter("entaccess.decisions",
		metric.WithUnit("{decision}"), metric.WithDescription("Authorization decisions of an HTTP guard."))
	if err != nil {
		return nil, fmt.Errorf("account/otel: %w", err)
	}
	// One attribute set for each action (0 for none) and answer, made once.
	n := len(permission.Actions()) + 1
	sets := make([][2][]metric.AddOption, n)
	events := make([][2][]trace.EventOption, n)
	for a := range n {
		name := ""
		if a > 0 {
			name = permission.Action(a).String()
		}
		for allowed := range 2 {
			kv := append(append([]attribute.KeyValue(nil), c.attrs...),
				attribute.Bool("allowed", allowed == 1), attribute.String("action", name))
			sets[a][allowed] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
			events[a][allowed] = []trace.EventOption{trace.WithAttributes(kv...)}
		}
	}
	return func(r *http.Request, d account.Decision) {
		a := int(d.Action)
		if a < 0 || a >= n {
			a = 0 // not an action of the table: counted with none
		}
		allowed := 0
		if d.Allowed {
			allowed = 1
		}
		ctx := context.Background()
		if r != nil {
			ctx = r.Context()
		}
		counter.Add(ctx, 1, sets[a][allowed]...)
		if s := trace.SpanFromContext(ctx); s.IsRecording() {
			s.AddEvent("entaccess.decision", events[a][allowed]...)
		}
	}, nil
}
