package otel_test

import (
	"context"
	"fmt"
	"log"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/account/otel"
	"github.com/entaccess/entaccess/permission"
)

// Hooks on a Store with a Backend: one update gives a span per step and
// updates the metrics.
func ExampleHooks() {
	spans := tracetest.NewInMemoryExporter()
	reader := sdkmetric.NewManualReader()
	h, err := otel.Hooks(
		otel.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))),
		otel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))),
		otel.WithAttributes(attribute.String("entaccess.account", "acme")),
	)
	if err != nil {
		log.Fatal(err)
	}
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}}})
	if err != nil {
		log.Fatal(err)
	}
	store := account.NewStoreWith(a, accounttest.NewLog(0)) // any Backend: a journal, a database
	store.SetHooks(h)
	if _, err := store.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "bob", permission.Billing) }); err != nil {
		log.Fatal(err)
	}

	for _, s := range spans.GetSpans() {
		fmt.Println("span", s.Name)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			fmt.Println("metric", m.Name, sum.DataPoints[0].Value)
		}
	}
	// Output:
	// span entaccess.lock_wait
	// span entaccess.callback
	// span entaccess.append
	// metric entaccess.updates.stored 1
}
