package postgres

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// A digest is a SHA-256 hash of the stored history.
//
// Every stored update carries the digest of its link: the digest of the
// update before it (or the account's seed, for the first update stored),
// its revision, its commit time in nanoseconds and its events in their
// canonical JSON form (see encodeEvents). The account's row holds the
// digest of its last update, the head, and each saved account state (the
// checkpoint, and the origin Create stored) is sealed with the digest of
// the revision it stands for. So an edit of any stored update, or of a
// saved state, breaks a digest that the next read checks.
type digest [sha256.Size]byte

func (d digest) String() string { return hex.EncodeToString(d[:8]) }

// seed is the digest the first stored update of the account name links to.
func seed(name string) digest {
	h := sha256.New()
	h.Write([]byte("entaccess/postgres seed\x00"))
	h.Write([]byte(name))
	return digest(h.Sum(nil))
}

// link is the digest of the update at rev, committed at nanos (since 1970
// UTC) with the canonical events, after the update whose digest is prev.
func link(prev digest, rev uint64, nanos int64, events []byte) digest {
	h := sha256.New()
	h.Write(prev[:])
	var n [16]byte
	binary.BigEndian.PutUint64(n[:8], rev)
	binary.BigEndian.PutUint64(n[8:], uint64(nanos))
	h.Write(n[:])
	h.Write(events)
	return digest(h.Sum(nil))
}

// seal is the digest of a saved account state: the account's canonical
// JSON at rev, whose update has the digest head (the seed for a state
// before any stored update).
func seal(rev uint64, head digest, account []byte) digest {
	h := sha256.New()
	h.Write([]byte("entaccess/postgres state\x00"))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], rev)
	h.Write(n[:])
	h.Write(head[:])
	h.Write(account)
	return digest(h.Sum(nil))
}

// toDigest reads a digest from a bytea column.
func toDigest(b []byte) (digest, bool) {
	var d digest
	if len(b) != len(d) {
		return d, false
	}
	copy(d[:], b)
	return d, true
}
