package otel_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	entotel "github.com/entaccess/entaccess/account/otel"
	"github.com/entaccess/entaccess/permission"
)

// telemetry is hooks recording into the SDK's in-memory exporter and
// manual reader.
type telemetry struct {
	hooks  *account.Hooks
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	reader := sdkmetric.NewManualReader()
	h, err := entotel.Hooks(
		entotel.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))),
		entotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))),
		entotel.WithAttributes(attribute.String("entaccess.account", "acme")),
	)
	if err != nil {
		t.Fatal(err)
	}
	return &telemetry{hooks: h, spans: spans, reader: reader}
}

// names returns the names of the spans ended so far, in order.
func (tm *telemetry) names() []string {
	var ns []string
	for _, s := range tm.spans.GetSpans() {
		ns = append(ns, s.Name)
	}
	return ns
}

func (tm *telemetry) span(t *testing.T, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range slices.Backward(tm.spans.GetSpans()) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q among %v", name, tm.names())
	return tracetest.SpanStub{}
}

// point is one data point: a counter's sum, or a histogram's count and sum.
type point struct {
	Count uint64
	Sum   float64
}

// metric returns the data points of the named metric, by their attributes
// other than the account's, written "outcome=ok" ("" for none).
func (tm *telemetry) metric(t *testing.T, name string) map[string]point {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tm.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]point{}
	key := func(set attribute.Set) string {
		if v, ok := set.Value("entaccess.account"); !ok || v.AsString() != "acme" {
			t.Errorf("%s: a data point without the account's attribute: %v", name, set.ToSlice())
		}
		k := ""
		for _, kv := range set.ToSlice() {
			if kv.Key != "entaccess.account" {
				k += fmt.Sprintf("%s=%s", kv.Key, kv.Value.String())
			}
		}
		return k
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != entotel.ScopeName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, entotel.ScopeName)
		}
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					got[key(p.Attributes)] = point{p.Count, p.Sum}
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					got[key(p.Attributes)] = point{Sum: float64(p.Value)}
				}
			default:
				t.Fatalf("%s: data of type %T", name, m.Data)
			}
		}
	}
	return got
}

func seed(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}, {User: "bob"}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func add(user string) func(*account.Tx) error {
	return func(tx *account.Tx) error { return tx.AddMember("alice", user, 0) }
}

func TestCommitted(t *testing.T) {
	tm := newTelemetry(t)
	s := account.NewStoreWith(seed(t), accounttest.NewLog(0))
	s.SetHooks(tm.hooks)
	if _, err := s.Update(func(tx *account.Tx) error {
		return errors.Join(tx.AddMember("alice", "carl", 0), tx.AddMember("alice", "dana", 0))
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"entaccess.lock_wait", "entaccess.callback", "entaccess.append"}, tm.names()); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	app := tm.span(t, "entaccess.append")
	if app.Status.Code == codes.Error || app.EndTime.Before(app.StartTime) {
		t.Errorf("append span: status %v, %v to %v", app.Status, app.StartTime, app.EndTime)
	}
	attrs := attribute.NewSet(app.Attributes...)
	for k, want := range map[attribute.Key]int64{"entaccess.batch.first": 1, "entaccess.batch.last": 1, "entaccess.batch.updates": 1, "entaccess.batch.events": 2} {
		if v, _ := attrs.Value(k); v.AsInt64() != want {
			t.Errorf("append span: %s = %v, want %d", k, v.String(), want)
		}
	}
	cb := attribute.NewSet(tm.span(t, "entaccess.callback").Attributes...)
	if v, _ := cb.Value("entaccess.steps"); v.AsInt64() != 2 {
		t.Errorf("callback span: steps = %v, want 2", v.String())
	}
	for _, c := range []struct {
		metric string
		want   map[string]point
	}{
		{"entaccess.updates.stored", map[string]point{"": {Sum: 1}}},
		{"entaccess.append.updates", map[string]point{"": {1, 1}}},
		{"entaccess.append.events", map[string]point{"": {1, 2}}},
		{"entaccess.lock.wait", nil},
		{"entaccess.callback.duration", nil},
		{"entaccess.append.duration", nil},
	} {
		got := tm.metric(t, c.metric)
		if c.want == nil { // a duration: one point, the count only
			c.want = map[string]point{}
			for k, p := range got {
				c.want[k] = point{Count: 1, Sum: p.Sum}
			}
			if len(got) != 1 {
				t.Errorf("%s: %v, want one data point", c.metric, got)
			}
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.metric, diff)
		}
	}
	if got := tm.metric(t, "entaccess.callback.duration"); got["outcome=ok"].Count != 1 {
		t.Errorf("callback duration: %v, want one ok", got)
	}
}

func TestRefused(t *testing.T) {
	tm := newTelemetry(t)
	s := account.NewStoreWith(seed(t), accounttest.NewLog(0))
	s.SetHooks(tm.hooks)
	_, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("bob", "carl", 0) })
	if !errors.Is(err, account.ErrForbidden) {
		t.Fatal(err)
	}
	cb := tm.span(t, "entaccess.callback")
	if cb.Status.Code != codes.Error || len(cb.Events) != 1 || cb.Events[0].Name != "exception" {
		t.Errorf("callback span of a refused update: status %v, events %v; want an error recorded", cb.Status, cb.Events)
	}
	if got := tm.metric(t, "entaccess.callback.duration"); got["outcome=error"].Count != 1 || len(got) != 1 {
		t.Errorf("callback duration: %v, want one error", got)
	}
	if got := tm.metric(t, "entaccess.updates.stored"); len(got) != 0 {
		t.Errorf("updates stored after a refusal: %v", got)
	}
}

// Two Stores on one Log: the second one's update is stale, caught up and
// run again.
func TestStaleRetryCatchUp(t *testing.T) {
	tm := newTelemetry(t)
	log := accounttest.NewLog(0)
	first := account.NewStoreWith(seed(t), log)
	second := account.NewStoreWith(seed(t), log)
	second.SetHooks(tm.hooks)
	if _, err := first.Update(add("carl")); err != nil {
		t.Fatal(err)
	}
	if a, err := second.Update(add("dana")); err != nil || a.Revision() != 2 {
		t.Fatalf("update = %v, %v", a, err)
	}
	want := map[string]map[string]point{
		"entaccess.retries":          {"reason=stale": {Sum: 1}},
		"entaccess.catch_up.updates": {"": {Sum: 1}},
		"entaccess.updates.stored":   {"": {Sum: 1}},
	}
	for name, w := range want {
		if diff := cmp.Diff(w, tm.metric(t, name)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	got := tm.metric(t, "entaccess.append.duration")
	if got["outcome=stale"].Count != 1 || got["outcome=ok"].Count != 1 {
		t.Errorf("append outcomes: %v, want one stale and one ok", got)
	}
	cu := attribute.NewSet(tm.span(t, "entaccess.catch_up").Attributes...)
	if from, _ := cu.Value("entaccess.from"); from.AsInt64() != 0 {
		t.Errorf("catch-up from %v, want 0", from.String())
	}
	if to, _ := cu.Value("entaccess.to"); to.AsInt64() != 1 {
		t.Errorf("catch-up to %v, want 1", to.String())
	}
	if r := tm.span(t, "entaccess.retry"); r.Status.Code == codes.Error || len(r.Events) != 1 {
		t.Errorf("retry span: status %v, events %v; want unset and one event", r.Status, r.Events)
	}
}

// failing is a Backend whose Append returns err.
type failing struct{ err error }

func (f failing) Append(context.Context, []account.Update) error { return f.err }
func (failing) Events(context.Context, uint64) iter.Seq2[account.Event, error] {
	return func(func(account.Event, error) bool) {}
}

func TestAppendFailed(t *testing.T) {
	for _, c := range []struct {
		name, outcome string
		err           error
	}{
		{"error", "outcome=error", errors.New("disk full")},
		{"unknown", "outcome=unknown", fmt.Errorf("connection lost: %w", account.ErrOutcomeUnknown)},
	} {
		t.Run(c.name, func(t *testing.T) {
			tm := newTelemetry(t)
			s := account.NewStoreWith(seed(t), failing{c.err})
			s.SetHooks(tm.hooks)
			if _, err := s.Update(add("carl")); !errors.Is(err, c.err) {
				t.Fatalf("update = %v, want %v", err, c.err)
			}
			if got := tm.metric(t, "entaccess.append.duration"); got[c.outcome].Count != 1 || len(got) != 1 {
				t.Errorf("append duration: %v, want one %s", got, c.outcome)
			}
			if app := tm.span(t, "entaccess.append"); app.Status.Code != codes.Error || app.Status.Description != c.err.Error() {
				t.Errorf("append span status %v, want the error", app.Status)
			}
			if got := tm.metric(t, "entaccess.updates.stored"); len(got) != 0 {
				t.Errorf("updates stored: %v", got)
			}
		})
	}
}

// Checkpoints are reported by the Backend, which calls the hook itself.
func TestCheckpoint(t *testing.T) {
	tm := newTelemetry(t)
	tm.hooks.Checkpoint(account.CheckpointInfo{Revision: 7, Bytes: 4096, Duration: 3 * time.Millisecond})
	tm.hooks.Checkpoint(account.CheckpointInfo{Revision: 9, Bytes: 0, Duration: time.Millisecond, Err: errors.New("no space")})
	if diff := cmp.Diff(map[string]point{"": {1, 4096}}, tm.metric(t, "entaccess.checkpoint.size")); diff != "" {
		t.Errorf("checkpoint size (-want +got):\n%s", diff)
	}
	got := tm.metric(t, "entaccess.checkpoint.duration")
	if got["outcome=ok"].Count != 1 || got["outcome=error"].Count != 1 {
		t.Errorf("checkpoint durations: %v, want one ok and one error", got)
	}
	sp := tm.span(t, "entaccess.checkpoint")
	if d := sp.EndTime.Sub(sp.StartTime); d != time.Millisecond || sp.Status.Code != codes.Error {
		t.Errorf("failed checkpoint span: %v long, status %v; want 1ms, error", d, sp.Status)
	}
}

// With the no-op tracer provider, spans are skipped and metrics still
// recorded.
func TestNoopTracer(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	h, err := entotel.Hooks(
		entotel.WithTracerProvider(tracenoop.NewTracerProvider()),
		entotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))),
		entotel.WithAttributes(attribute.String("entaccess.account", "acme")),
	)
	if err != nil {
		t.Fatal(err)
	}
	tm := &telemetry{hooks: h, reader: reader}
	s := account.NewStoreWith(seed(t), accounttest.NewLog(0))
	s.SetHooks(h)
	if _, err := s.Update(add("carl")); err != nil {
		t.Fatal(err)
	}
	h.Retry(account.RetryInfo{Revision: 2, Err: account.ErrStale})
	if diff := cmp.Diff(map[string]point{"": {Sum: 1}}, tm.metric(t, "entaccess.updates.stored")); diff != "" {
		t.Errorf("updates stored (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]point{"reason=stale": {Sum: 1}}, tm.metric(t, "entaccess.retries")); diff != "" {
		t.Errorf("retries (-want +got):\n%s", diff)
	}
}

// A catch-up records how far behind the other writers the Store was, in
// revisions and in seconds.
func TestReplicaLag(t *testing.T) {
	ctx := context.Background()
	tm := newTelemetry(t)
	log := accounttest.NewLog(0)
	writer := account.NewStoreWith(seed(t), log)
	replica := account.NewStoreWith(seed(t), log)
	replica.SetHooks(tm.hooks)
	before := time.Now()
	for _, u := range []string{"carl", "dana", "erin"} {
		if _, err := writer.Update(add(u)); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // the second finds nothing new
		if _, err := replica.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	bound := time.Since(before).Seconds()
	if diff := cmp.Diff(map[string]point{"": {2, 3}}, tm.metric(t, "entaccess.replica.lag.revisions")); diff != "" {
		t.Errorf("lag in revisions (-want +got):\n%s", diff)
	}
	// The newest update was committed after before, and the catch-up
	// ended before bound.
	got := tm.metric(t, "entaccess.replica.lag")[""]
	if got.Count != 1 || got.Sum <= 0 || got.Sum > bound {
		t.Errorf("lag in seconds: %+v; want one point in (0, %g]", got, bound)
	}

	// Commit times from the hook: two seconds ago, and from a clock ahead.
	tm.hooks.CatchUpDone(account.CatchUpInfo{From: 3, To: 5, Latest: time.Now().Add(-2 * time.Second)})
	tm.hooks.CatchUpDone(account.CatchUpInfo{From: 5, To: 6, Latest: time.Now().Add(time.Hour)})
	got = tm.metric(t, "entaccess.replica.lag")[""]
	if got.Count != 3 || got.Sum < 2 || got.Sum > 3 {
		t.Errorf("lag in seconds after 2s and a clock ahead: %+v; want 3 points summing to about 2", got)
	}
}
