//go:build !race

package account_test

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
