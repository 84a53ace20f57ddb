// Command vectors writes the test vectors of package vectors to a directory.
//
//	go run ./internal/vectors/cmd/vectors -dir testdata/vectors
//
// It rewrites only the files whose content changed.
package main

import (
	"bytes"
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/entaccess/entaccess/internal/vectors"
)

func main() {
	dir := flag.String("dir", "testdata/vectors", "the directory to write the vectors to")
	flag.Parse()
	if err := write(*dir); err != nil {
		log.Fatal(err)
	}
}

// write writes every vectors file to dir, creating it if need be, and
// leaves alone the files already up to date.
func write(dir string) error {
	files, err := vectors.Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
