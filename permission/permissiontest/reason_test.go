package permissiontest_test

import (
	"testing"

	"github.com/entaccess/entaccess/permission"
	"github.com/entaccess/entaccess/permission/permissiontest"
)

// TestReasonNamesTheGrantingPermissions: when entaccess allows an action,
// the report names the permissions of the set that allow it, not the whole
// set.
func TestReasonNamesTheGrantingPermissions(t *testing.T) {
	var f fakeT
	n := permissiontest.CheckTable(&f, func(s permission.Set, a permission.Action) bool {
		if s == permission.View|permission.Billing && a == permission.ViewUsage {
			return false
		}
		return literal(s, a)
	})
	expect(t, &f, n, 1,
		"{view,billing} (0x03) × view-usage (6): got false, want true: view-usage is allowed by {billing}; the set holds {billing}")
}
