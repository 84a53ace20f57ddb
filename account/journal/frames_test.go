package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"syscall"
	"testing"
	"testing/iotest"
)

// frameFile returns frames holding the payloads, one after another, and
// the offset of each.
func frameFile(payloads ...[]byte) ([]byte, []int64) {
	var b []byte
	var offs []int64
	for _, p := range payloads {
		offs = append(offs, int64(len(b)))
		b = appendFrame(b, func(dst []byte) []byte { return append(dst, p...) })
	}
	return b, offs
}

// payload returns n bytes that differ from those of other lengths.
func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + n)
	}
	return p
}

// A frameReader reads back every frame written, with its offset, however
// the reads come (one byte at a time or all at once), frames larger than
// its first buffer included, then io.EOF.
func TestFrameReaderReadsEveryFrame(t *testing.T) {
	sizes := []int{0, 1, 100, 64<<10 - headerLen, 64 << 10, 70000, 3, 200000, 0}
	var ps [][]byte
	for _, n := range sizes {
		ps = append(ps, payload(n))
	}
	data, offs := frameFile(ps...)
	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(data)},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data))},
		{"half at a time", iotest.HalfReader(bytes.NewReader(data))},
		{"with EOF on the last bytes", iotest.DataErrReader(bytes.NewReader(data))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr := newFrameReader(tc.r, 0)
			for i, want := range ps {
				p, start, err := fr.next()
				if err != nil || start != offs[i] || !bytes.Equal(p, want) {
					t.Fatalf("frame %d: %d bytes at %d, %v; want %d bytes at %d", i, len(p), start, err, len(want), offs[i])
				}
				if got := fr.sum; got != binary.LittleEndian.Uint32(data[offs[i]+4:]) {
					t.Fatalf("frame %d: sum %#x, want the header's", i, got)
				}
			}
			if p, start, err := fr.next(); err != io.EOF || start != int64(len(data)) {
				t.Fatalf("after the last frame: %d bytes at %d, %v; want io.EOF at %d", len(p), start, err, len(data))
			}
		})
	}
}

// A frame cut short is errTorn, wherever the cut; a damaged payload is
// an error that leaves the reader at the frame's start; a failed read is
// an *ioError.
func TestFrameReaderDamage(t *testing.T) {
	data, offs := frameFile(payload(10), payload(300))
	second := int(offs[1])
	for _, cut := range []int{second + 1, second + headerLen - 1, second + headerLen, second + headerLen + 299} {
		fr := newFrameReader(bytes.NewReader(data[:cut]), 0)
		if _, _, err := fr.next(); err != nil {
			t.Fatal(err)
		}
		if _, start, err := fr.next(); err != errTorn || start != int64(second) {
			t.Errorf("cut at %d: %v at %d; want errTorn at %d", cut, err, start, second)
		}
	}
	bad := bytes.Clone(data)
	bad[second+headerLen+5] ^= 1
	fr := newFrameReader(bytes.NewReader(bad), 0)
	fr.next()
	if _, start, err := fr.next(); err == nil || err == errTorn || start != int64(second) || fr.off != int64(second) {
		t.Errorf("a damaged payload: %v at %d, reader at %d; want a checksum error, the reader at %d", err, start, fr.off, second)
	}
	bad = bytes.Clone(data)
	bad[second+2] ^= 1
	fr = newFrameReader(bytes.NewReader(bad), 0)
	fr.next()
	if _, _, err := fr.next(); err == nil || err == errTorn {
		t.Errorf("a damaged header: %v; want a checksum error", err)
	}
	fr = newFrameReader(io.MultiReader(bytes.NewReader(data[:second+20]), iotest.ErrReader(syscall.EIO)), 0)
	fr.next()
	var ioe *ioError
	if _, _, err := fr.next(); !errors.As(err, &ioe) || !errors.Is(err, syscall.EIO) {
		t.Errorf("a failed read: %v; want an *ioError wrapping EIO", err)
	}
}

// A header may announce a payload of up to maxPayload bytes, no more.
func TestCheckHeaderLimit(t *testing.T) {
	for _, tc := range []struct {
		n  uint32
		ok bool
	}{{0, true}, {maxPayload, true}, {maxPayload + 1, false}, {1<<32 - 1, false}} {
		h := binary.LittleEndian.AppendUint32(nil, tc.n)
		h = binary.LittleEndian.AppendUint32(h, 0)
		h = binary.LittleEndian.AppendUint32(h, crc32Sum(h))
		n, err := checkHeader(h)
		if (err == nil) != tc.ok || (tc.ok && n != int(tc.n)) {
			t.Errorf("checkHeader(length %d) = %d, %v; want ok %t", tc.n, n, err, tc.ok)
		}
	}
}

// resync finds the next intact frame after damage, skipping zeros and
// a frame whose header is intact but whose payload is not, and says
// io.EOF when none is left.
func TestFrameReaderResync(t *testing.T) {
	frames, _ := frameFile(payload(40), payload(50))
	// A header whose checksum is right but whose payload is not there.
	fake := frameFile2(payload(5))
	fake[headerLen] ^= 1
	junk := append(append(append([]byte{1, 2, 3}, make([]byte, 30)...), fake...), 9)
	data := append(bytes.Clone(junk), frames...)
	fr := newFrameReader(iotest.OneByteReader(bytes.NewReader(data)), 0)
	p, start, err := fr.resync()
	if err != nil || start != int64(len(junk)) || !bytes.Equal(p, payload(40)) {
		t.Fatalf("resync = %d bytes at %d, %v; want the 40-byte frame at %d", len(p), start, err, len(junk))
	}
	if p, _, err := fr.next(); err != nil || !bytes.Equal(p, payload(50)) {
		t.Fatalf("next = %d bytes, %v; want the 50-byte frame", len(p), err)
	}
	if _, _, err := fr.resync(); err != io.EOF {
		t.Fatalf("resync at the end = %v, want io.EOF", err)
	}
	fr = newFrameReader(io.MultiReader(bytes.NewReader(junk), iotest.ErrReader(syscall.EIO)), 0)
	var ioe *ioError
	if _, _, err := fr.resync(); !errors.As(err, &ioe) {
		t.Fatalf("resync over a failing read = %v, want an *ioError", err)
	}
}

func frameFile2(p []byte) []byte {
	b, _ := frameFile(p)
	return b
}
