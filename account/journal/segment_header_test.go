package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A segment whose header is a prefix of the header, the empty one
// included, was cut short; any other header is not a log segment's. In a
// segment before the last, Open says which.
func TestSegmentHeaderDamage(t *testing.T) {
	for _, tc := range []struct {
		name, header, want string
	}{
		{"empty", "", "segment header cut short"},
		{"half", segMagic[:7], "segment header cut short"},
		{"all but a byte", segMagic[:len(segMagic)-1], "segment header cut short"},
		{"another header", "entaccess wal 1\n", "not a log segment (bad header)"},
		{"another short one", "xyz", "not a log segment (bad header)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), segName(1))
			if err := os.WriteFile(name, []byte(tc.header), filePerm); err != nil {
				t.Fatal(err)
			}
			_, last, _, dmg, err := scanSegment(osFS{}, name, 1, false, func(segRecord) error { return nil })
			if err != nil || dmg == nil || dmg.offset != 0 || dmg.rev != 1 || last != 0 || !strings.Contains(dmg.err.Error(), tc.want) {
				t.Fatalf("scanSegment = last %d, damage %+v, %v; want damage at offset 0, revision 1, saying %q", last, dmg, err, tc.want)
			}
		})
	}
	dir, _ := buildSmall(t, 12, 100, addUser)
	j, err := open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	segs := j.segs
	j.Close()
	for _, c := range ckptFiles(t, dir) {
		if c > 0 {
			remove(t, filepath.Join(dir, ckptName(c)))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, segName(segs[1])), []byte(segMagic[:5]), filePerm); err != nil {
		t.Fatal(err)
	}
	if _, err := open(osFS{}, dir, defaultOptions); err == nil || !strings.Contains(err.Error(), "segment header cut short") {
		t.Errorf("Open with a segment before the last cut in its header = %v; want ErrCorrupt saying so", err)
	}
}
