// Command benchchart draws BENCHMARKS.md's chart of the peers from the raw
// output of examples/compare's benchmarks.
//
//	go run ./internal/benchchart/cmd/benchchart -in testdata/bench/compare.txt -out testdata/bench/peers.svg
package main

import (
	"flag"
	"log"
	"os"

	"github.com/entaccess/entaccess/internal/benchchart"
)

func main() {
	in := flag.String("in", "testdata/bench/compare.txt", "go test -bench output of examples/compare")
	out := flag.String("out", "testdata/bench/peers.svg", "the image to write")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	figs, err := benchchart.Parse(f)
	if err != nil {
		log.Fatalf("%s: %v", *in, err)
	}
	svg, err := benchchart.SVG(figs)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, []byte(svg), 0o644); err != nil {
		log.Fatal(err)
	}
}
