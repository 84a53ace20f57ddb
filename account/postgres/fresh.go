package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/entaccess/entaccess/account"
)

// Token returns a freshness token for the snapshot a of the replica's
// account: a short digest of the account's name and its revision, as in
// "822b33ad87c1.42" (account acme, revision 42). A client that got it back
// from a change sends it with its next request, to any replica, which
// answers on a snapshot at least that new ([Replica.Fresh]):
// read-your-writes across replicas. The token
// names the account, so that a replica of another account refuses it, and
// carries only printable ASCII, so it fits in a header.
func (r *Replica) Token(a *account.Account) string {
	return tokenPrefix(r.name) + "." + strconv.FormatUint(a.Revision(), 10)
}

func tokenPrefix(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:6])
}

// Fresh returns a snapshot at least as new as the one token names, waiting
// for the replica to publish it until ctx is done. It refuses at once,
// with an error wrapping [account.ErrInvalid] (a client's mistake: HTTP
// 400), a token that is malformed, that names another account, or whose
// revision is beyond the database's own; it reads the database's revision
// only when the replica is behind the token. A token the database has
// reached comes within a notification's delay, or the poll's interval if
// the notification is lost, unless the replica cannot catch up: then
// Fresh returns at once the error [Replica.Health] reports, since it
// cannot know when the revision will come. Bound the wait with ctx's
// deadline.
func (r *Replica) Fresh(ctx context.Context, token string) (*account.Account, error) {
	prefix, revText, ok := strings.Cut(token, ".")
	rev, err := strconv.ParseUint(revText, 10, 64)
	switch {
	case !ok || err != nil:
		return nil, fmt.Errorf("postgres: freshness token %q: not a token: %w", token, account.ErrInvalid)
	case prefix != tokenPrefix(r.name):
		return nil, fmt.Errorf("postgres: freshness token %q: a token of another account than %q: %w", token, r.name, account.ErrInvalid)
	}
	if a := r.store.Load(); a.Revision() >= rev {
		return a, nil
	}
	db, err := r.Revision(ctx)
	if err != nil {
		return nil, err
	}
	if rev > db {
		return nil, fmt.Errorf("postgres: freshness token %q: revision %d is beyond the database's, %d: %w", token, rev, db, account.ErrInvalid)
	}
	if err := r.Health(); err != nil {
		return nil, fmt.Errorf("postgres: freshness token %q: the replica cannot catch up to revision %d: %w", token, rev, err)
	}
	return r.store.WaitFor(ctx, rev)
}
