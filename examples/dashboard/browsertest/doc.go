// Package browsertest drives the dashboard of examples/dashboard in a
// headless Chromium, as each kind of user: which tabs they see, the forms
// they use by keyboard, a refused change sent directly, the migration
// banner, the impact preview of a change, the Access tab as of a revision
// or time with since when each member has held their permissions, and the
// audit log.
//
// It is a module of its own so that the entaccess module keeps its two
// dependencies. Run it with
//
//	cd examples/dashboard/browsertest && go test ./...
//
// It needs Chromium (Debian's chromium package; set CHROMIUM to use another
// binary). Without one, the tests are skipped, except when the CI
// environment variable is set, where they fail. go test -update rewrites
// the screenshots in examples/dashboard/testdata.
package browsertest
