package journal

import (
	"fmt"
	"strings"
	"testing"
)

// The interner keeps at most maxInterned names of at most maxInternLen
// bytes, and still returns every name as it was given once it is full.
func TestInternerLimits(t *testing.T) {
	var in interner
	for _, n := range []string{strings.Repeat("a", maxInternLen), strings.Repeat("b", maxInternLen+1)} {
		if got := in.get([]byte(n)); got != n {
			t.Fatalf("get(%d bytes) = %d bytes", len(n), len(got))
		}
	}
	if _, ok := in.m[strings.Repeat("a", maxInternLen)]; !ok || len(in.m) != 1 {
		t.Fatalf("interned %d names; want the one of %d bytes and not the longer one", len(in.m), maxInternLen)
	}
	for i := range maxInterned + 100 {
		n := fmt.Sprintf("user%d", i)
		if got := in.get([]byte(n)); got != n {
			t.Fatalf("get(%q) = %q", n, got)
		}
	}
	if len(in.m) != maxInterned {
		t.Errorf("interned %d names, want at most %d", len(in.m), maxInterned)
	}
	if n := fmt.Sprintf("user%d", maxInterned+50); in.get([]byte(n)) != n {
		t.Errorf("a name past the limit, again: got %q", in.get([]byte(n)))
	}
}
