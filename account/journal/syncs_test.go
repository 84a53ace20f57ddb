package journal

import (
	"strings"
	"testing"
)

// Each batch is written and synced once, and the count of log syncs the
// benchmarks report is the number of syncs the segment saw.
func TestSyncsCounted(t *testing.T) {
	fsys := &stepFS{failAt: -1, alsoAt: -1}
	j, err := create(fsys, t.TempDir(), testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	logSyncs := func() int {
		fsys.mu.Lock()
		defer fsys.mu.Unlock()
		n := 0
		for _, s := range fsys.steps {
			if strings.HasPrefix(s, "sync "+segPrefix) {
				n++
			}
		}
		return n
	}
	before := logSyncs() // Create's, of the segment's header
	const n = 5
	for i := range n {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	j.mu.Lock()
	counted := j.syncs
	j.mu.Unlock()
	if got := logSyncs() - before; got != n || counted != n {
		t.Errorf("%d updates, one after another: the log was synced %d times, counted %d; want %d", n, got, counted, n)
	}
}
