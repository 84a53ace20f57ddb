//go:build unix

package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// TestRunStopsOnSignal sends the test process SIGINT or SIGTERM while run
// serves: run must shut down and return nil, as it does when its context
// ends.
func TestRunStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			// Catch the signal here too, so that a run that ignores it
			// fails this test instead of ending the test process.
			caught := make(chan os.Signal, 1)
			signal.Notify(caught, sig)
			defer signal.Stop(caught)

			ln, addr := listen(t)
			errc := make(chan error, 1)
			go func() { errc <- run(context.Background(), ln, t.TempDir(), slog.New(slog.DiscardHandler)) }()
			waitServing(t, addr)

			if err := syscall.Kill(os.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("run returned %v after %v", err, sig)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("run still serving 5s after %v", sig)
			}
		})
	}
}
