// Package otel reports what an [account.Store] does as OpenTelemetry spans
// and metrics, through the Store's [account.Hooks]:
//
//	h, err := otel.Hooks(otel.WithAttributes(attribute.String("entaccess.account", "acme")))
//	if err != nil {
//		return err
//	}
//	store.SetHooks(h)
//
// Without options it uses the global tracer and meter providers
// (go.opentelemetry.io/otel's GetTracerProvider and GetMeterProvider) as
// they are when Hooks is called.
//
// # Spans
//
// Each step is one span, started and ended at the times the step started
// and ended: entaccess.lock_wait (waiting for the update lock),
// entaccess.callback (one run of an update's callback), entaccess.append
// (a batch handed to the Backend), entaccess.catch_up (reading what other
// writers committed) and entaccess.checkpoint (a Backend writing the whole
// account). The hooks receive no context, so these spans have no parent:
// they are roots of their own traces, found by their attributes
// (entaccess.revision, entaccess.batch.first and .last, ...). A step that
// failed has status Error and its error recorded. A retry is a span
// without duration, entaccess.retry, with an event saying why.
//
// # Metrics
//
//	entaccess.lock.wait               histogram, s      time waiting for the update lock
//	entaccess.callback.duration       histogram, s      one run of a callback; outcome = ok | error
//	entaccess.append.duration         histogram, s      one batch; outcome = ok | stale | unknown | error
//	entaccess.append.updates          histogram, {update}  updates in a batch
//	entaccess.append.events           histogram, {event}   events in a batch
//	entaccess.updates.stored          counter, {update} updates a Backend stored
//	entaccess.retries                 counter, {retry}  callbacks run again; reason = stale | failed
//	entaccess.catch_up.duration       histogram, s      outcome = ok | error
//	entaccess.catch_up.updates        counter, {update} updates read from other writers
//	entaccess.replica.lag.revisions   histogram, {revision}  per catch-up: the revisions it published (0: none new)
//	entaccess.replica.lag             histogram, s      per catch-up that published: now minus the last one's commit time
//	entaccess.checkpoint.duration     histogram, s      outcome = ok | error
//	entaccess.checkpoint.size         histogram, By     the account checkpointed
//	entaccess.decisions               counter, {decision}  an HTTP guard's decisions; allowed, action ([Decisions])
//
// The replica lag is how far behind the writers a Store was when it caught
// up: in revisions, how many it read; in seconds, how long before the
// catch-up ended the newest update it read was committed
// ([account.CatchUpInfo].Latest). Clocks of other machines that run ahead
// make that negative; it is recorded as 0.
//
// Every span and data point also carries the attributes given with
// [WithAttributes], such as the account's name.
//
// # Cost
//
// The hooks run on the goroutine doing the update, some while the Store
// holds its update lock; they only record, and allocate nothing but what
// the providers do. Given the no-op tracer provider of
// go.opentelemetry.io/otel/trace/noop, they skip spans altogether; with it
// and the no-op meter provider an update costs what it costs without hooks
// (see the package's benchmark).
package otel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/entaccess/entaccess/account"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/entaccess/entaccess/account/otel"

// An Option configures [Hooks].
type Option func(*config)

type config struct {
	tp    trace.TracerProvider
	mp    metric.MeterProvider
	attrs []attribute.KeyValue
}

// WithTracerProvider makes the hooks start spans with tp's tracer.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider makes the hooks record metrics with mp's meter.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithAttributes adds attrs to every span and data point, such as the
// account's name when one process keeps several accounts.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// Hooks returns [account.Hooks] that record spans and metrics; give them to
// [account.Store.SetHooks]. One value may serve any number of Stores. The
// error comes from the meter provider, if it refuses an instrument.
func Hooks(opts ...Option) (*account.Hooks, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	r := &recorder{tracer: c.tp.Tracer(ScopeName), base: c.attrs}
	if _, ok := c.tp.(tracenoop.TracerProvider); ok {
		r.tracer = nil // spans that nothing records: skip them, options and all
	}
	if err := r.instruments(c.mp.Meter(ScopeName)); err != nil {
		return nil, fmt.Errorf("account/otel: %w", err)
	}
	return &account.Hooks{
		LockAcquired: r.lockAcquired,
		CallbackDone: r.callbackDone,
		AppendDone:   r.appendDone,
		Retry:        r.retry,
		CatchUpDone:  r.catchUpDone,
		Checkpoint:   r.checkpoint,
	}, nil
}

type recorder struct {
	tracer trace.Tracer
	base   []attribute.KeyValue

	lockWait, callback, appendDur, appendUpdates, appendEvents metric.Float64Histogram
	catchUp, checkpointDur, checkpointSize                     metric.Float64Histogram
	lagRevisions, lagSeconds                                   metric.Float64Histogram
	stored, retries, caughtUp                                  metric.Int64Counter

	// The attribute sets of the data points, made once, so that recording
	// allocates nothing.
	plain    []metric.RecordOption
	plainAdd []metric.AddOption
	outcomes map[string][]metric.RecordOption // by outcome
	reasons  map[string][]metric.AddOption    // by retry reason
}

func (r *recorder) instruments(m metric.Meter) error {
	set := func(more ...attribute.KeyValue) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(r.attrs(more...)...))
	}
	r.plain = []metric.RecordOption{set()}
	r.plainAdd = []metric.AddOption{set()}
	r.outcomes = map[string][]metric.RecordOption{}
	for _, o := range []string{"ok", "error", "stale", "unknown"} {
		r.outcomes[o] = []metric.RecordOption{set(attribute.String("outcome", o))}
	}
	r.reasons = map[string][]metric.AddOption{}
	for _, o := range []string{"stale", "failed"} {
		r.reasons[o] = []metric.AddOption{set(attribute.String("reason", o))}
	}
	var errs []error
	hist := func(name, unit, desc string) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return h
	}
	count := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	r.lockWait = hist("entaccess.lock.wait", "s", "Time an update waited for the Store's update lock.")
	r.callback = hist("entaccess.callback.duration", "s", "Time one run of an update's callback took.")
	r.appendDur = hist("entaccess.append.duration", "s", "Time the Backend took to store a batch of updates.")
	r.appendUpdates = hist("entaccess.append.updates", "{update}", "Updates in a batch handed to the Backend.")
	r.appendEvents = hist("entaccess.append.events", "{event}", "Events in a batch handed to the Backend.")
	r.stored = count("entaccess.updates.stored", "{update}", "Updates the Backend stored.")
	r.retries = count("entaccess.retries", "{retry}", "Update callbacks run again.")
	r.catchUp = hist("entaccess.catch_up.duration", "s", "Time a catch-up with the Backend took.")
	r.caughtUp = count("entaccess.catch_up.updates", "{update}", "Updates other writers committed, read in catch-ups.")
	r.lagRevisions = hist("entaccess.replica.lag.revisions", "{revision}", "Revisions other writers had committed that a catch-up published.")
	r.lagSeconds = hist("entaccess.replica.lag", "s", "Time since the commit of the newest update a catch-up published.")
	r.checkpointDur = hist("entaccess.checkpoint.duration", "s", "Time a Backend took to checkpoint the account.")
	r.checkpointSize = hist("entaccess.checkpoint.size", "By", "Size of a checkpoint of the account.")
	return errors.Join(errs...)
}

// attrs returns the configured attributes followed by more.
func (r *recorder) attrs(more ...attribute.KeyValue) []attribute.KeyValue {
	return append(slices.Clip(r.base), more...)
}

// span records a step that ran for d until now. Its attributes come from
// attrs, called only if the span records, so that a no-op or sampled-out
// span costs little.
func (r *recorder) span(name string, d time.Duration, err error, attrs func() []attribute.KeyValue) {
	if r.tracer == nil {
		return
	}
	end := time.Now()
	_, s := r.tracer.Start(context.Background(), name, trace.WithTimestamp(end.Add(-d)))
	if !s.IsRecording() {
		s.End()
		return
	}
	s.SetAttributes(r.base...)
	if attrs != nil {
		s.SetAttributes(attrs()...)
	}
	if err != nil {
		s.RecordError(err)
		s.SetStatus(codes.Error, err.Error())
	}
	s.End(trace.WithTimestamp(end))
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return "error"
}

func (r *recorder) lockAcquired(waited time.Duration) {
	r.lockWait.Record(context.Background(), waited.Seconds(), r.plain...)
	r.span("entaccess.lock_wait", waited, nil, nil)
}

func (r *recorder) callbackDone(i account.CallbackInfo) {
	r.callback.Record(context.Background(), i.Duration.Seconds(), r.outcomes[outcome(i.Err)]...)
	r.span("entaccess.callback", i.Duration, i.Err, func() []attribute.KeyValue {
		return []attribute.KeyValue{attribute.Int64("entaccess.revision", int64(i.Revision)), attribute.Int("entaccess.steps", i.Steps)}
	})
}

func (r *recorder) appendDone(b account.BatchInfo, res account.AppendResult) {
	o := "ok"
	switch {
	case res.Err == nil:
		r.stored.Add(context.Background(), int64(b.Updates), r.plainAdd...)
	case errors.Is(res.Err, account.ErrStale):
		o = "stale"
	case errors.Is(res.Err, account.ErrOutcomeUnknown):
		o = "unknown"
	default:
		o = "error"
	}
	r.appendDur.Record(context.Background(), res.Duration.Seconds(), r.outcomes[o]...)
	r.appendUpdates.Record(context.Background(), float64(b.Updates), r.plain...)
	r.appendEvents.Record(context.Background(), float64(b.Events), r.plain...)
	r.span("entaccess.append", res.Duration, res.Err, func() []attribute.KeyValue {
		return []attribute.KeyValue{
			attribute.Int64("entaccess.batch.first", int64(b.First)), attribute.Int64("entaccess.batch.last", int64(b.Last)),
			attribute.Int("entaccess.batch.updates", b.Updates), attribute.Int("entaccess.batch.events", b.Events),
			attribute.String("outcome", o),
		}
	})
}

func (r *recorder) retry(i account.RetryInfo) {
	reason := "failed"
	if errors.Is(i.Err, account.ErrStale) {
		reason = "stale"
	}
	r.retries.Add(context.Background(), 1, r.reasons[reason]...)
	if r.tracer == nil {
		return
	}
	// A retry is a moment, not a step: a span without duration whose
	// event says why. Its status stays unset, as a retry is no failure.
	_, s := r.tracer.Start(context.Background(), "entaccess.retry")
	if s.IsRecording() {
		s.SetAttributes(r.attrs(attribute.Int64("entaccess.revision", int64(i.Revision)), attribute.String("reason", reason))...)
		s.AddEvent("entaccess.retry", trace.WithAttributes(attribute.String("error", fmt.Sprint(i.Err))))
	}
	s.End()
}

func (r *recorder) catchUpDone(i account.CatchUpInfo) {
	r.catchUp.Record(context.Background(), i.Duration.Seconds(), r.outcomes[outcome(i.Err)]...)
	var n uint64
	if i.To > i.From {
		n = i.To - i.From
		r.caughtUp.Add(context.Background(), int64(n), r.plainAdd...)
	}
	r.lagRevisions.Record(context.Background(), float64(n), r.plain...)
	if !i.Latest.IsZero() {
		r.lagSeconds.Record(context.Background(), max(time.Since(i.Latest), 0).Seconds(), r.plain...)
	}
	r.span("entaccess.catch_up", i.Duration, i.Err, func() []attribute.KeyValue {
		return []attribute.KeyValue{attribute.Int64("entaccess.from", int64(i.From)), attribute.Int64("entaccess.to", int64(i.To))}
	})
}

func (r *recorder) checkpoint(i account.CheckpointInfo) {
	r.checkpointDur.Record(context.Background(), i.Duration.Seconds(), r.outcomes[outcome(i.Err)]...)
	if i.Err == nil {
		r.checkpointSize.Record(context.Background(), float64(i.Bytes), r.plain...)
	}
	r.span("entaccess.checkpoint", i.Duration, i.Err, func() []attribute.KeyValue {
		return []attribute.KeyValue{attribute.Int64("entaccess.revision", int64(i.Revision)), attribute.Int64("entaccess.bytes", i.Bytes)}
	})
}
