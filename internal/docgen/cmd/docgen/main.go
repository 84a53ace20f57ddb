// Command docgen rewrites the generated sections of README.md from the code.
//
//	go run ./internal/docgen/cmd/docgen -readme README.md
package main

import (
	"flag"
	"log"
	"os"

	"github.com/entaccess/entaccess/internal/docgen"
)

func main() {
	readme := flag.String("readme", "README.md", "the document to rewrite")
	flag.Parse()
	old, err := os.ReadFile(*readme)
	if err != nil {
		log.Fatal(err)
	}
	doc, err := docgen.Splice(string(old), docgen.Sections()...)
	if err != nil {
		log.Fatalf("%s: %v", *readme, err)
	}
	if doc != string(old) {
		if err := os.WriteFile(*readme, []byte(doc), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
