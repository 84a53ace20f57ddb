// Command benchchart draws the chart of BENCHMARKS.md: the time one
// permission check takes in entaccess and in each peer engine, from the
// raw output of examples/compare's BenchmarkCheck, as an SVG image. Run it
// with go generate ./... from the repository root, or
//
//	go run ./tools/benchchart -in testdata/bench/compare.txt -out testdata/bench/peers.svg
//
// A test fails when the committed image and the measured figures disagree.
package main

//go:generate go run . -in ../../testdata/bench/compare.txt -out ../../testdata/bench/peers.svg

import (
	"flag"
	"log"
	"os"
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
	figs, err := Parse(f)
	if err != nil {
		log.Fatalf("%s: %v", *in, err)
	}
	svg, err := SVG(figs)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, []byte(svg), 0o644); err != nil {
		log.Fatal(err)
	}
}
