// Package permissiontest checks another implementation of the permission
// table against package permission, using entaccess as the reference
// oracle.
//
// [CheckTable] calls the other implementation on every permission set value
// and every action value (65,536 cases), asks [permission.Allows] the same
// question, and, if any answers differ, fails the test once with a report:
// how many cases disagree out of how many, then the first 20 of them, each
// with its inputs, what entaccess answers and why, and a count of the rest.
// It returns the number of disagreements. A panic in the other
// implementation counts as a disagreement for that input, and the check
// goes on.
//
// Check functions here and in packages accounttest and migrationtest take
// a [TB], the two methods of [testing.TB] they use, so that they work with
// *testing.T, *testing.B and *rapid.T alike.
//
// For implementations in other languages, the repository's testdata/vectors
// holds the same kind of cases as JSON, with the answers of entaccess.
package permissiontest
