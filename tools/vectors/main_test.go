package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vectors")
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("%s: wrote %d bytes (%v), want %d", f.Name, len(got), err, len(f.Data))
		}
	}
	// An up-to-date file is left alone; a stale one is rewritten.
	old := time.Unix(1e9, 0)
	up, stale := filepath.Join(dir, files[0].Name), filepath.Join(dir, files[1].Name)
	if err := os.WriteFile(stale, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{up, stale} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(up); err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("%s was rewritten though up to date", files[0].Name)
	}
	if got, err := os.ReadFile(stale); err != nil || !bytes.Equal(got, files[1].Data) {
		t.Errorf("%s was not rewritten", files[1].Name)
	}
	// A directory that cannot be created is an error.
	if err := write(filepath.Join(up, "sub")); err == nil {
		t.Errorf("write under a file succeeded")
	}
}
