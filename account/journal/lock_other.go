//go:build !unix

package journal

import (
	"io"
	"os"
)

// lockFile creates name but takes no lock: on systems without flock, a
// directory is not protected from a second Journal in another process.
func lockFile(name string) (io.Closer, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
}
