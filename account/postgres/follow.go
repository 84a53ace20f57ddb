package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxChannel is the longest channel name PostgreSQL keeps whole: longer
// identifiers are cut to NAMEDATALEN-1 bytes.
const maxChannel = 63

// channel is the notification channel of the account name: only its
// replicas listen on it. A name too long for a channel is replaced by its
// SHA-256, under another prefix, so that two accounts never share one.
func channel(name string) string {
	if c := "entaccess:" + name; len(c) <= maxChannel {
		return c
	}
	sum := sha256.Sum256([]byte(name))
	return "entaccess#" + hex.EncodeToString(sum[:20])
}

// listen opens the replica's own connection and listens on its channel.
func (r *Replica) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, r.pool.Config().ConnConfig)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{r.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// follow waits for notifications on conn and catches up on each one that
// may be news. A notification is only a wake-up: what the replica
// publishes it reads from the tables, and a payload it cannot read, or a
// revision it does not have, costs one query. When the connection fails it
// reconnects, listens again and then catches up, since notifications sent
// meanwhile are lost.
func (r *Replica) follow(ctx context.Context, conn *pgx.Conn) {
	defer r.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		if conn == nil {
			var err error
			conn, err = r.listen(ctx)
			if err != nil {
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, 2*time.Second)
				continue
			}
			backoff = 50 * time.Millisecond
			r.catchUp(ctx)
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			conn.Close(context.Background())
			conn = nil
			if ctx.Err() != nil {
				return
			}
			continue
		}
		if r.opts.notified != nil {
			r.opts.notified(ctx)
		}
		if rev, ok := parseRevision(n.Payload); ok && rev <= r.store.Load().Revision() {
			continue // nothing new, if the payload is true; if not, the poll reads
		}
		r.catchUp(ctx)
	}
}

// poll catches up at every interval, so that a lost notification delays
// a change by at most one interval.
func (r *Replica) poll(ctx context.Context) {
	defer r.wg.Done()
	every := r.opts.poll
	if every == 0 {
		every = defaultPoll
	}
	if every < 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.catchUp(ctx)
		}
	}
}
