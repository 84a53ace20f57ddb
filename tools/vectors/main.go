// Command vectors writes the language-neutral test vectors under
// testdata/vectors: the permission table, account checks, and organizations
// with their decisions, as JSON, so that implementations in other languages
// can check themselves against entaccess. testdata/vectors/README.md
// describes the format.
//
// Run it with go generate ./... from the repository root, or
//
//	go run ./tools/vectors -dir testdata/vectors
//
// It rewrites only the files whose content changed. The output is a
// function of the code alone (fixed inputs, fixed seeds, sorted lists, one
// formatting), and a test fails when the files on disk differ from it.
package main

//go:generate go run . -dir ../../testdata/vectors

import (
	"bytes"
	"flag"
	"log"
	"os"
	"path/filepath"
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
	files, err := Files()
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
