package journal

import (
	"testing"
)

// A new segment and checkpoint fall due once the log written since the
// last checkpoint reaches CheckpointBytes, or the last checkpoint's size
// if that is larger: not a byte later, nor one earlier.
func TestCheckpointDueAtThreshold(t *testing.T) {
	for _, larger := range []string{"CheckpointBytes", "the checkpoint"} {
		probe, err := create(osFS{}, t.TempDir(), testAccount(t), defaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		ckpt := probe.ckptSize
		probe.Close()
		bytes, threshold := ckpt+100, ckpt+100
		if larger == "the checkpoint" {
			bytes, threshold = ckpt/2, ckpt
		}
		j, err := create(osFS{}, t.TempDir(), testAccount(t), options{checkpointBytes: bytes})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Store().Update(addUser(0)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			since int64
			segs  int
		}{{threshold - 1, 1}, {threshold, 2}} {
			j.mu.Lock()
			if j.ckptSize != ckpt || len(j.segs) != 1 {
				t.Fatalf("a checkpoint of %d bytes and %d segments; want %d and 1", j.ckptSize, len(j.segs), ckpt)
			}
			j.sinceCkpt = tc.since
			j.checkpointIfDue(j.store.Load())
			segs := len(j.segs)
			j.mu.Unlock()
			j.ckptDone.Wait()
			if segs != tc.segs {
				t.Errorf("CheckpointBytes %d, a checkpoint of %d bytes, %d bytes of log since: %d segments, want %d", bytes, ckpt, tc.since, segs, tc.segs)
			}
		}
		j.Close()
	}
}
