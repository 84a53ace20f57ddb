package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// A checkpoint holds the whole account as a stream of items, written in
// frames of about ckptChunk bytes, so that an account of any size within
// the documented limits is written and read one frame at a time. The
// items, in order:
//
//	head:        revision, origin (the revision the journal was created
//	             at), account name, member count, team count
//	member:      user, permissions (one byte)            × member count
//	team:        name, licensed (0 or 1), user count     × team count,
//	team member: user, role (one byte)                   × user count, after its team
//	identity provider, if the account has one: the byte 'I', entity ID,
//	             SSO target URL, SLO target URL, certificate (PEM),
//	             enforced (0 or 1)
//
// Counts and revisions are uvarints, names a uvarint length and the
// bytes. An item never spans two frames. A frame with no payload ends the
// checkpoint, and the file ends there.

// maxName bounds a name's length in a checkpoint: account.New refuses
// names longer than 256 bytes; the decoder refuses them earlier, before it
// copies them.
const maxName = 256

// A ckptWriter writes a checkpoint's frames to w as they fill.
type ckptWriter struct {
	w   io.Writer
	buf []byte // the frame being filled, its header first
	n   int64  // bytes written
	err error
}

func newCkptWriter(w io.Writer) *ckptWriter {
	c := &ckptWriter{w: w, buf: make([]byte, headerLen, headerLen+ckptChunk+1024)}
	c.write([]byte(ckptMagic))
	return c
}

func (c *ckptWriter) write(b []byte) {
	if c.err == nil {
		c.err = writeAll(c.w, b)
		c.n += int64(len(b))
	}
}

// flush writes the frame being filled, even if it is empty.
func (c *ckptWriter) flush() {
	p := c.buf[headerLen:]
	h := c.buf[:headerLen]
	binary.LittleEndian.PutUint32(h[0:], uint32(len(p)))
	binary.LittleEndian.PutUint32(h[4:], crc32Sum(p))
	binary.LittleEndian.PutUint32(h[8:], crc32Sum(h[:8]))
	c.write(c.buf)
	c.buf = c.buf[:headerLen]
}

// item ends the current frame if it is full; the next item goes in the
// next one.
func (c *ckptWriter) item() {
	if len(c.buf)-headerLen >= ckptChunk {
		c.flush()
	}
}

// writeAccount writes a checkpoint of a, in a journal created at
// revision origin, to w, and returns its size.
func writeAccount(w io.Writer, a *account.Account, origin uint64) (int64, error) {
	c := newCkptWriter(w)
	b := binary.AppendUvarint(c.buf, a.Revision())
	b = binary.AppendUvarint(b, origin)
	b = appendString(b, a.Name())
	b = binary.AppendUvarint(b, uint64(a.NumMembers()))
	c.buf = binary.AppendUvarint(b, uint64(a.NumTeams()))
	for user, p := range a.Members() {
		c.item()
		c.buf = append(appendString(c.buf, user), byte(p))
	}
	for t := range a.Teams() {
		c.item()
		b := appendString(c.buf, t.Name)
		if t.Licensed {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		c.buf = binary.AppendUvarint(b, uint64(len(t.Members)))
		for _, m := range t.Members {
			c.item()
			c.buf = append(appendString(c.buf, m.User), byte(m.Role))
		}
	}
	// The identity provider, when there is one, follows the teams: a
	// checkpoint of an account without one is what it was before accounts
	// could have one.
	if p, ok := a.IdentityProvider(); ok {
		c.item()
		b := append(c.buf, idpMark)
		for _, f := range []string{p.EntityID, p.SSOTargetURL, p.SLOTargetURL, p.Certificate} {
			b = appendString(b, f)
		}
		if p.Enforced {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		c.buf = b
	}
	c.flush()
	c.flush() // the empty frame that ends the checkpoint
	return c.n, c.err
}

// A ckptReader decodes a checkpoint's items, frame by frame.
type ckptReader struct {
	fr  *frameReader
	d   decoder
	end bool // the empty frame was read
	err error
}

// more makes the next item's bytes available, reading the next frame if
// the current one is used up, and reports whether there is one.
func (c *ckptReader) more() bool {
	for c.err == nil && c.d.err == nil && len(c.d.b) == 0 && !c.end {
		p, _, err := c.fr.next()
		switch {
		case err == io.EOF || err == errTorn:
			c.err = errors.New("checkpoint cut short")
		case err != nil:
			c.err = err
		case len(p) == 0:
			c.end = true
		default:
			c.d.b = p
		}
	}
	return c.err == nil && c.d.err == nil && len(c.d.b) > 0
}

func (c *ckptReader) fail() error {
	if c.err != nil {
		return c.err
	}
	if c.d.err != nil {
		return c.d.err
	}
	return errors.New("checkpoint ends before its last item")
}

// readAccount decodes the checkpoint read by fr and validates the account
// it holds as [account.New] does. It also returns the revision the
// journal was created at. A read error is an *ioError; any other error is
// damage.
func readAccount(fr *frameReader) (*account.Account, uint64, error) {
	b, _, origin, err := readBuilder(fr)
	if err != nil {
		return nil, 0, err
	}
	a, err := b.Account()
	return a, origin, err
}

// readBuilder decodes the checkpoint read by fr into a Builder, item by
// item, without a Spec, and checks the account as [account.New] does. It
// returns the Builder, holding the account at the checkpoint's revision
// and ready to replay the log after it, that revision, and the revision
// the journal was created at. A read error is an *ioError; any other
// error is damage.
func readBuilder(fr *frameReader) (*account.Builder, uint64, uint64, error) {
	c := &ckptReader{fr: fr}
	n, err := fr.fill(len(ckptMagic))
	if err != nil {
		return nil, 0, 0, err
	}
	if n < len(ckptMagic) || string(fr.bytes(n)) != ckptMagic {
		return nil, 0, 0, errors.New("not a checkpoint (bad header)")
	}
	fr.skip(len(ckptMagic))
	if !c.more() {
		return nil, 0, 0, c.fail()
	}
	d := &c.d
	rev := d.uvarint("revision")
	origin := d.uvarint("origin")
	b := account.NewBuilder(c.name("name"))
	b.SetRevision(rev)
	nm, nt := d.uvarint("member count"), d.uvarint("team count")
	if d.err == nil && (nm > 1<<21 || nt > 1<<16) {
		d.fail("counts")
	}
	b.Grow(int(nm), int(nt)) // at most 1<<21 and 1<<16, checked above
	for range nm {
		if !c.more() {
			return nil, 0, 0, c.fail()
		}
		b.AddMember(c.name("user"), permission.Set(d.byte("permissions")))
	}
	for range nt {
		if !c.more() {
			return nil, 0, 0, c.fail()
		}
		name := c.name("team name")
		var licensed bool
		switch d.byte("licensed") {
		case 0:
		case 1:
			licensed = true
		default:
			d.fail("licensed flag")
		}
		b.AddTeam(name, licensed)
		k := d.uvarint("team member count")
		if d.err == nil && k > 1<<21 {
			d.fail("team member count")
		}
		for range k {
			if !c.more() {
				return nil, 0, 0, c.fail()
			}
			b.AddTeamMember(c.name("user"), account.Role(d.byte("role")))
		}
	}
	if c.more() && d.b[0] == idpMark {
		d.b = d.b[1:]
		p := account.IdentityProvider{EntityID: c.long("entity ID"), SSOTargetURL: c.long("SSO target URL"),
			SLOTargetURL: c.long("SLO target URL"), Certificate: c.long("certificate")}
		switch d.byte("enforced") {
		case 0:
		case 1:
			p.Enforced = true
		default:
			d.fail("enforced flag")
		}
		b.SetIdentityProvider(p)
	}
	if c.more() || c.err != nil || d.err != nil {
		if c.err == nil && d.err == nil {
			return nil, 0, 0, errors.New("bytes after the last item")
		}
		return nil, 0, 0, c.fail()
	}
	if !c.end {
		return nil, 0, 0, c.fail()
	}
	if k, err := fr.fill(1); err != nil {
		return nil, 0, 0, err
	} else if k != 0 {
		return nil, 0, 0, errors.New("bytes after the end of the checkpoint")
	}
	if origin > rev {
		return nil, 0, 0, fmt.Errorf("created at revision %d, after its revision %d", origin, rev)
	}
	if err := b.Check(); err != nil {
		return nil, 0, 0, err
	}
	return b, rev, origin, nil
}

// idpMark starts the identity provider item of a checkpoint.
const idpMark = 'I'

// maxField bounds an identity provider's field in a checkpoint: the
// account refuses a certificate over 64 KiB and URLs over 2 KiB.
const maxField = 1 << 17

// long reads a string of at most maxField bytes.
func (c *ckptReader) long(what string) string { return c.str(what, maxField) }

// name reads a name of at most maxName bytes.
func (c *ckptReader) name(what string) string { return c.str(what, maxName) }

// str reads a string of at most limit bytes.
func (c *ckptReader) str(what string, limit uint64) string {
	d := &c.d
	n := d.uvarint(what)
	if n > limit || n > uint64(len(d.b)) {
		d.fail(what)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// readCheckpoint reads the checkpoint file name, which holds revision
// rev, and returns a Builder holding its account, ready to replay the log
// after it, the revision the journal was created at and the file's size.
// Damage is a *CorruptError; a read error is returned as it is.
func readCheckpoint(fsys fileSystem, name string, rev uint64) (*account.Builder, uint64, int64, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	fr := newFrameReader(f, 0)
	b, got, origin, err := readBuilder(fr)
	if err != nil {
		var ioe *ioError
		if errors.As(err, &ioe) {
			return nil, 0, 0, ioe.err
		}
		return nil, 0, 0, &CorruptError{File: name, Offset: fr.off, Revision: rev, Err: err}
	}
	if got != rev {
		return nil, 0, 0, &CorruptError{File: name, Revision: rev, Err: fmt.Errorf("holds revision %d", got)}
	}
	return b, origin, fr.off, nil
}

// writeCheckpoint writes a checkpoint of a, through a temporary file made
// durable before it is renamed into place, then removes the checkpoints
// the retention policy lets go, and reports to the Store's Checkpoint hook
// (Create's checkpoint is written before there is a Store).
func (j *Journal) writeCheckpoint(a *account.Account) error {
	begin := time.Now()
	name := filepath.Join(j.dir, ckptName(a.Revision()))
	size, err := writeFileAtomic(j.fsys, name, func(w io.Writer) (int64, error) { return writeAccount(w, a, j.origin) })
	if err != nil {
		err = fmt.Errorf("checkpoint at revision %d: %w", a.Revision(), err)
	} else {
		j.mu.Lock()
		j.ckptSize = size
		j.mu.Unlock()
		err = j.dropCheckpoints()
	}
	if h := j.store.Hooks(); h != nil && h.Checkpoint != nil {
		h.Checkpoint(account.CheckpointInfo{Revision: a.Revision(), Bytes: size, Duration: time.Since(begin), Err: err})
	}
	return err
}

// dropCheckpoints removes the checkpoints the retention policy lets go:
// it keeps the one Create wrote and the latest opt.keepCheckpoints (all,
// if that is 0), then syncs the directory so that what is removed stays
// removed.
func (j *Journal) dropCheckpoints() error {
	if j.opt.keepCheckpoints <= 0 {
		return nil
	}
	names, err := j.fsys.ReadDir(j.dir)
	if err != nil {
		return fmt.Errorf("list checkpoints: %w", err)
	}
	var revs []uint64
	for _, name := range names {
		if rev, ok := parseName(name, ckptPrefix, ckptSuffix); ok && rev != j.origin {
			revs = append(revs, rev)
		}
	}
	slices.Sort(revs)
	if len(revs) <= j.opt.keepCheckpoints {
		return nil
	}
	for _, rev := range revs[:len(revs)-j.opt.keepCheckpoints] {
		if err := j.fsys.Remove(filepath.Join(j.dir, ckptName(rev))); err != nil {
			return fmt.Errorf("remove an old checkpoint: %w", err)
		}
	}
	if err := j.fsys.SyncDir(j.dir); err != nil {
		return fmt.Errorf("sync %s: %w", j.dir, err)
	}
	return nil
}

// checkpoints returns the revisions of the checkpoints in names, ascending.
func checkpoints(names []string) []uint64 {
	var revs []uint64
	for _, name := range names {
		if rev, ok := parseName(name, ckptPrefix, ckptSuffix); ok {
			revs = append(revs, rev)
		}
	}
	slices.Sort(revs)
	return revs
}
