package otel_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	entotel "github.com/entaccess/entaccess/account/otel"
	"github.com/entaccess/entaccess/permission"
)

// A guard's decisions are counted by action and answer, and each becomes
// an event on the request's span.
func TestDecisions(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	h, err := entotel.Decisions(
		entotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))),
		entotel.WithAttributes(attribute.String("entaccess.account", "acme")),
	)
	if err != nil {
		t.Fatal(err)
	}
	tm := &telemetry{reader: reader}
	g := httpauthz.New(account.NewStore(seed(t)), httpauthz.Header("X-User"), httpauthz.OnDecision(h))
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("GET /usage", g.Require(permission.ViewUsage)(ok))
	mux.Handle("GET /teams", g.Require(permission.ViewTeams)(ok))
	srv := g.Handler(mux)

	spans := tracetest.NewInMemoryExporter()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)).Tracer("test")
	for _, req := range []struct{ user, path string }{
		{"alice", "/usage"}, {"bob", "/usage"}, {"bob", "/teams"}, {"bob", "/teams"}, {"", "/teams"},
	} {
		r := httptest.NewRequest("GET", req.path, nil)
		if req.user != "" {
			r.Header.Set("X-User", req.user)
		}
		ctx, span := tracer.Start(r.Context(), "request")
		srv.ServeHTTP(httptest.NewRecorder(), r.WithContext(ctx))
		span.End()
	}
	want := map[string]point{
		"action=view-usageallowed=true":  {Sum: 1},
		"action=view-usageallowed=false": {Sum: 1},
		"action=view-teamsallowed=true":  {Sum: 2},
		"action=allowed=false":           {Sum: 1}, // no identity: refused before routing
	}
	if diff := cmp.Diff(want, tm.metric(t, "entaccess.decisions")); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
	got := spans.GetSpans()
	if len(got) != 5 || len(got[1].Events) != 1 || got[1].Events[0].Name != "entaccess.decision" {
		t.Fatalf("spans %v; want each with one decision event", got)
	}
	attrs := attribute.NewSet(got[1].Events[0].Attributes...)
	if v, _ := attrs.Value("allowed"); v.AsBool() {
		t.Errorf("bob's refusal recorded as allowed: %v", attrs.ToSlice())
	}
}

// Counting a decision allocates nothing.
func TestDecisionsAllocs(t *testing.T) {
	h, err := entotel.Decisions(entotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	d := account.Decision{Allowed: true, User: "alice", Action: permission.ViewUsage}
	h(r, d) // the first data point of its set allocates
	if n := testing.AllocsPerRun(100, func() { h(r, d) }); n != 0 {
		t.Errorf("%v allocations a decision", n)
	}
}
