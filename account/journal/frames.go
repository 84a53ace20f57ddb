package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// A frameReader reads the frames of a file one at a time, holding at most
// one frame in memory. Its buffer grows only to the length in a header
// whose checksum matched, and never past one frame of maxPayload bytes.
type frameReader struct {
	r        io.Reader
	buf      []byte // buf[pos:end] is read and not yet consumed
	pos, end int
	off      int64  // the file offset of buf[pos]
	eof      bool   // r has no more bytes
	sum      uint32 // the payload checksum of the last frame read
}

// An ioError is a failed read: the file could not be read, which says
// nothing about its content (a descriptor limit, a failing disk).
type ioError struct{ err error }

func (e *ioError) Error() string { return e.err.Error() }
func (e *ioError) Unwrap() error { return e.err }

func newFrameReader(r io.Reader, off int64) *frameReader {
	return &frameReader{r: r, buf: make([]byte, 64<<10), off: off}
}

// fill makes up to n bytes available from pos, fewer only if the file ends
// first, and returns how many are available.
func (fr *frameReader) fill(n int) (int, error) {
	for fr.end-fr.pos < n && !fr.eof {
		if fr.pos > 0 && (fr.end == fr.pos || fr.pos+n > len(fr.buf)) {
			fr.end = copy(fr.buf, fr.buf[fr.pos:fr.end])
			fr.pos = 0
		}
		if n > len(fr.buf) {
			grown := make([]byte, n)
			fr.end = copy(grown, fr.buf[fr.pos:fr.end])
			fr.buf, fr.pos = grown, 0
		}
		k, err := fr.r.Read(fr.buf[fr.end:])
		fr.end += k
		if err == io.EOF {
			fr.eof = true
		} else if err != nil {
			return fr.end - fr.pos, &ioError{err}
		}
	}
	return min(n, fr.end-fr.pos), nil
}

// skip consumes n available bytes.
func (fr *frameReader) skip(n int) {
	fr.pos += n
	fr.off += int64(n)
}

// bytes returns the n available bytes at pos.
func (fr *frameReader) bytes(n int) []byte { return fr.buf[fr.pos : fr.pos+n] }

// next reads the frame at the current offset and returns its payload,
// valid until the next call, and its offset. At the end of the file it
// returns io.EOF; for a frame cut short by the end of the file, errTorn;
// for a damaged frame, another error, with the reader still at the
// frame's start; for a failed read, an *ioError.
func (fr *frameReader) next() (payload []byte, start int64, err error) {
	start = fr.off
	n, err := fr.fill(headerLen)
	switch {
	case err != nil:
		return nil, start, err
	case n == 0:
		return nil, start, io.EOF
	case n < headerLen:
		return nil, start, errTorn
	}
	size, err := checkHeader(fr.bytes(headerLen))
	if err != nil {
		return nil, start, err
	}
	n, err = fr.fill(headerLen + size)
	if err != nil {
		return nil, start, err
	}
	if n < headerLen+size {
		return nil, start, errTorn
	}
	b := fr.bytes(headerLen + size)
	payload = b[headerLen:]
	sum := binary.LittleEndian.Uint32(b[4:])
	if crc32.Checksum(payload, castagnoli) != sum {
		return nil, start, errors.New("record checksum mismatch")
	}
	fr.sum = sum
	fr.skip(headerLen + size)
	return payload, start, nil
}

// checkHeader checks a frame header and returns its payload's length.
func checkHeader(h []byte) (int, error) {
	if crc32.Checksum(h[:8], castagnoli) != binary.LittleEndian.Uint32(h[8:]) {
		return 0, errors.New("record header checksum mismatch")
	}
	n := binary.LittleEndian.Uint32(h[0:])
	if n > maxPayload {
		return 0, fmt.Errorf("record length %d over the limit of %d", n, maxPayload)
	}
	return int(n), nil
}

// resync moves past the byte at the current offset and on to the next
// offset where a whole, intact frame starts, and reads that frame. It
// returns io.EOF if none is left. It is how the frames after damage are
// found: their claims tell whether the damage hit synced data.
func (fr *frameReader) resync() (payload []byte, start int64, err error) {
	fr.skip(1)
	for {
		n, err := fr.fill(headerLen)
		if err != nil {
			return nil, 0, err
		}
		if n < headerLen {
			return nil, 0, io.EOF
		}
		h := fr.bytes(headerLen)
		if binary.LittleEndian.Uint64(h) != 0 { // zeros never hold a header
			if _, err := checkHeader(h); err == nil {
				p, start, err := fr.next()
				if err == nil {
					return p, start, nil
				}
				if _, ok := err.(*ioError); ok {
					return nil, 0, err
				}
			}
		}
		fr.skip(1)
	}
}
