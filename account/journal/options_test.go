package journal

import (
	"errors"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
)

// The zero Options are the defaults; a field set overrides its default;
// a negative field is refused, naming it.
func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Options
		want options
		err  string // in the error, if one is wanted
	}{
		{"zero", Options{}, defaultOptions, ""},
		{"checkpoint bytes", Options{CheckpointBytes: 1}, options{checkpointBytes: 1}, ""},
		{"keep", Options{KeepCheckpoints: 1}, options{checkpointBytes: defaultOptions.checkpointBytes, keepCheckpoints: 1}, ""},
		{"both", Options{CheckpointBytes: 4096, KeepCheckpoints: 2}, options{checkpointBytes: 4096, keepCheckpoints: 2}, ""},
		{"negative checkpoint bytes", Options{CheckpointBytes: -1}, options{}, "CheckpointBytes -1"},
		{"negative keep", Options{KeepCheckpoints: -1}, options{}, "KeepCheckpoints -1"},
		{"negative keep, checkpoint bytes set", Options{CheckpointBytes: 4096, KeepCheckpoints: -1}, options{}, "KeepCheckpoints -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.options()
			if tc.err != "" {
				if !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("options() error %v; want one wrapping account.ErrInvalid saying %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("options() = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// Options.Create and Options.Open use the options given: a small
// CheckpointBytes starts new segments after that much log, the zero
// Options after 8 MiB.
func TestOptionsCreateOpen(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
		more bool // whether the updates below start a new segment
	}{
		{"zero", Options{}, false},
		{"small", Options{CheckpointBytes: 200}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j, err := tc.opt.Create(dir, testAccount(t))
			if err != nil {
				t.Fatal(err)
			}
			update := func(j *Journal, from int) {
				for i := from; i < from+10; i++ {
					if _, err := j.Store().Update(addUser(i)); err != nil {
						t.Fatal(err)
					}
					j.ckptDone.Wait()
				}
			}
			update(j, 0)
			created := len(j.segs)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			if j, err = tc.opt.Open(dir); err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			j.ckptDone.Wait()
			reopened := len(j.segs)
			update(j, 10)
			if got := created > 1 && len(j.segs) > reopened; got != tc.more {
				t.Errorf("%d segments after Create and 10 updates, %d after Open, %d after 10 more; want new ones each time: %t", created, reopened, len(j.segs), tc.more)
			}
			if !tc.more && len(j.segs) != 1 {
				t.Errorf("%d segments after Create and 10 updates, Open and 10 more; want 1", len(j.segs))
			}
		})
	}
}
