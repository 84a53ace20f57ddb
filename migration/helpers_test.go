package migration_test

import "strconv"

func teamField(i int, field string) string {
	return "teams[" + strconv.Itoa(i) + "]." + field
}

func memberField(i, j int, field string) string {
	return "teams[" + strconv.Itoa(i) + "].members[" + strconv.Itoa(j) + "]." + field
}
