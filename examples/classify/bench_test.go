package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/migration"
)

// benchInput returns n lines of organizations, cycling through the sample's
// valid ones with distinct names.
func benchInput(b *testing.B, n int) string {
	b.Helper()
	orgs := []string{
		`{"name": "o%d", "teams": [{"name": "web", "licensed": true, "members": [{"user": "alice", "role": "admin"}, {"user": "bob", "role": "member"}, {"user": "zed", "role": "collaborator"}]}, {"name": "api", "members": [{"user": "alice", "role": "admin"}, {"user": "carol", "role": "viewer"}]}]}`,
		`{"name": "o%d", "teams": [{"name": "east", "licensed": true, "members": [{"user": "gus", "role": "admin"}]}, {"name": "west", "licensed": true, "members": [{"user": "hank", "role": "admin"}, {"user": "gus", "role": "member"}]}]}`,
		`{"name": "o%d", "public_beta": true, "teams": [{"name": "main", "licensed": true, "members": [{"user": "ann", "role": "admin"}]}]}`,
	}
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, orgs[i%len(orgs)]+"\n", i)
	}
	return sb.String()
}

var sink int

// BenchmarkClassify measures the whole CLI against a baseline that only
// decodes and classifies each line, so the ratio is the cost of reading
// lines, encoding output and counting.
func BenchmarkClassify(b *testing.B) {
	input := benchInput(b, 1000)
	b.Run("baseline=decode+Classify", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(input)))
		for b.Loop() {
			for line := range strings.Lines(input) {
				var org migration.Organization
				if err := json.Unmarshal([]byte(line), &org); err != nil {
					b.Fatal(err)
				}
				d, err := migration.Classify(org)
				if err != nil {
					b.Fatal(err)
				}
				sink += int(d.Outcome)
			}
		}
	})
	for _, table := range []bool{false, true} {
		args := []string{}
		name := "cli=json"
		if table {
			args, name = []string{"-table"}, "cli=table"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(input)))
			for b.Loop() {
				if code := run(args, strings.NewReader(input), io.Discard, io.Discard); code != exitOK {
					b.Fatalf("exit status %d", code)
				}
			}
		})
	}
}
