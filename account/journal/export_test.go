package journal

import (
	"os"

	"github.com/entaccess/entaccess/account"
)

// CreateSmall and OpenSmall are Create and Open with checkpoints every
// ckptBytes bytes of log, so that tests cross many checkpoints.
func CreateSmall(dir string, a *account.Account, ckptBytes int64) (*Journal, error) {
	return create(osFS{}, dir, a, options{checkpointBytes: ckptBytes})
}

func OpenSmall(dir string, ckptBytes int64) (*Journal, error) {
	return open(osFS{}, dir, options{checkpointBytes: ckptBytes})
}

// tempDir makes a directory for a rapid check, which has no TempDir.
func TempDir() (string, error) { return os.MkdirTemp("", "journal-sm-") }

// WaitCheckpoint waits until no checkpoint is being written, so that a
// test's next update may start a new segment whatever the machine's load.
func WaitCheckpoint(j *Journal) { j.ckptDone.Wait() }
