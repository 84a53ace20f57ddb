package journal

import (
	"math"
	"testing"
)

// File names carry revisions in 20 decimal digits, up to the largest
// uint64, which names the segment a rotation after the last revision
// would start; anything else is not a journal file.
func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name string
		rev  uint64
		ok   bool
	}{
		{segName(0), 0, true},
		{segName(1), 1, true},
		{segName(9876543210), 9876543210, true},
		{segName(maxRevision), maxRevision, true},
		{segName(math.MaxUint64), math.MaxUint64, true},
		{"wal-18446744073709551616.log", 0, false}, // 2^64
		{"wal-99999999999999999999.log", 0, false},
		{"wal-0000000000000000000a.log", 0, false},
		{"wal-0000000000000000000/.log", 0, false}, // the byte before '0'
		{"wal-0000000000000000000:.log", 0, false}, // the byte after '9'
		{"wal-000000000000000000001.log", 0, false},
		{"wal-0000000000000000001.log", 0, false},
		{"wal-00000000000000000001.ckpt", 0, false},
		{"wax-00000000000000000001.log", 0, false},
		{"wal-00000000000000000001.lag", 0, false},
		{segName(1) + tmpSuffix, 0, false},
		{ckptName(1), 0, false},
	} {
		rev, ok := parseName(tc.name, segPrefix, segSuffix)
		if rev != tc.rev || ok != tc.ok {
			t.Errorf("parseName(%q) = %d, %t; want %d, %t", tc.name, rev, ok, tc.rev, tc.ok)
		}
	}
	if rev, ok := parseName(ckptName(math.MaxUint64), ckptPrefix, ckptSuffix); rev != math.MaxUint64 || !ok {
		t.Errorf("parseName(%q) = %d, %t", ckptName(math.MaxUint64), rev, ok)
	}
}
