// Package compare holds the side-by-side tests and benchmarks of entaccess
// against casbin, cedar-go and the Open Policy Agent. The encodings live in
// package [github.com/entaccess/entaccess/examples/compare/engines]; this
// package has no code of its own, only tests: see README.md.
package compare
