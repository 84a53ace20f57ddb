// Command docgen rewrites the parts of README.md that are generated from
// the code, so that the documentation cannot drift from the table it
// describes. Run it with go generate ./... from the repository root, or
//
//	go run ./tools/docgen -readme README.md
//
// A test fails when README.md and the code disagree.
package main

//go:generate go run . -readme ../../README.md

import (
	"flag"
	"log"
	"os"
)

func main() {
	readme := flag.String("readme", "README.md", "the document to rewrite")
	flag.Parse()
	old, err := os.ReadFile(*readme)
	if err != nil {
		log.Fatal(err)
	}
	doc, err := Splice(string(old), Sections()...)
	if err != nil {
		log.Fatalf("%s: %v", *readme, err)
	}
	if doc != string(old) {
		if err := os.WriteFile(*readme, []byte(doc), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
