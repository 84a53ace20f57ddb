package journal_test

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/permission"
)

var crashRounds = flag.Int("journal.crashrounds", 12, "rounds of TestCrash (each kills a child process at a random instant)")

const crashChildEnv = "ENTACCESS_JOURNAL_CRASH_CHILD"

// TestCrash kills a process that is updating a journal with SIGKILL at
// random instants, reopens the journal, and checks that every update the
// process saw acknowledged is there, with consecutive revisions.
func TestCrash(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	j, err := journal.CreateSmall(dir, newAccount(t), 4<<10)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	acked := map[string]uint64{} // user added → revision acknowledged
	var prevRev uint64
	for round := range *crashRounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		lines := 0
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				user, rev, ok := strings.Cut(sc.Text(), " ")
				if !ok {
					continue
				}
				r, _ := strconv.ParseUint(rev, 10, 64)
				mu.Lock()
				acked[user] = r
				lines++
				mu.Unlock()
			}
		}()
		time.Sleep(time.Duration(20+rand.IntN(80)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		cmd.Wait()

		j, err := journal.Open(dir)
		if err != nil {
			var ce *journal.CorruptError
			if errors.As(err, &ce) {
				b, _ := os.ReadFile(ce.File)
				t.Logf("%s holds %d bytes: %q", ce.File, len(b), b[:min(len(b), 64)])
			}
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		a := j.Store().Load()
		for user, rev := range acked {
			if !a.IsMember(user) || rev > a.Revision() {
				t.Fatalf("round %d: acknowledged update %q (revision %d) lost; journal at revision %d", round, user, rev, a.Revision())
			}
		}
		want := uint64(1)
		for e, err := range j.Events(context.Background(), 0) {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if e.Revision != want {
				t.Fatalf("round %d: event of revision %d, want %d", round, e.Revision, want)
			}
			want++
		}
		if want-1 != a.Revision() {
			t.Fatalf("round %d: events end at revision %d, state at %d", round, want-1, a.Revision())
		}
		// Each of the child's 4 updaters has at most one update in flight
		// or acknowledged and not yet reported.
		if extra := a.Revision() - prevRev - uint64(lines); extra > 4 {
			t.Fatalf("round %d: %d updates more than acknowledged, want at most 4", round, extra)
		}
		prevRev = a.Revision()
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %d acknowledged this round, revision %d", round, lines, a.Revision())
	}
}

// crashChild runs concurrent updaters on the journal in dir until killed,
// printing "user revision" for each acknowledged update.
func crashChild(dir string) {
	j, err := journal.OpenSmall(dir, 4<<10)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	var out sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	for g := range 4 {
		go func() {
			for i := 0; ; i++ {
				user := fmt.Sprintf("p%d-g%d-%d", os.Getpid(), g, i)
				a, err := j.Store().Update(func(tx *account.Tx) error {
					return tx.AddMember("alice", user, permission.Billing)
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(2)
				}
				out.Lock()
				fmt.Fprintf(w, "%s %d\n", user, a.Revision())
				w.Flush()
				out.Unlock()
			}
		}()
	}
	select {}
}
