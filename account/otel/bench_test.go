package otel_test

import (
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	entotel "github.com/entaccess/entaccess/account/otel"
	"github.com/entaccess/entaccess/permission"
)

var sinkAccount *account.Account

// BenchmarkUpdate: an Update on a Store with an in-memory Backend, without
// hooks (the baseline), with the hooks on no-op providers, and on the SDK
// (spans sampled and dropped, metrics aggregated).
func BenchmarkUpdate(b *testing.B) {
	run := func(b *testing.B, h *account.Hooks) {
		a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}, {User: "bob"}}})
		if err != nil {
			b.Fatal(err)
		}
		s := account.NewStoreWith(a, accounttest.NewLog(0))
		s.SetHooks(h)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p := permission.View
			if i%2 == 0 {
				p = permission.Billing
			}
			if sinkAccount, err = s.Update(func(tx *account.Tx) error { return tx.SetPermissions("alice", "bob", p) }); err != nil {
				b.Fatal(err)
			}
		}
	}
	hooks := func(b *testing.B, opts ...entotel.Option) *account.Hooks {
		h, err := entotel.Hooks(opts...)
		if err != nil {
			b.Fatal(err)
		}
		return h
	}
	b.Run("no-hooks", func(b *testing.B) { run(b, nil) })
	b.Run("noop", func(b *testing.B) {
		run(b, hooks(b, entotel.WithTracerProvider(tracenoop.NewTracerProvider()), entotel.WithMeterProvider(metricnoop.NewMeterProvider())))
	})
	b.Run("sdk", func(b *testing.B) {
		run(b, hooks(b, entotel.WithTracerProvider(sdktrace.NewTracerProvider()), entotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))))
	})
}
