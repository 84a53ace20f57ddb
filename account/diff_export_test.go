package account

// SharesStorage reports whether Diff of from and to looks only at the
// entries that changed between them.
func SharesStorage(from, to *Account) bool {
	_, _, ok := sharedChanges(from, to)
	return ok
}
