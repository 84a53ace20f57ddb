package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A group's notification carries every update's revision, exact commit
// time and events, in order; one too big for a notification names only
// the last update, so that replicas read the table.
func TestNotificationOfAGroup(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	group := []notified{
		{rev: 7, when: at, events: []byte(`[{"actor":"root","op":"add-member","user":"a","before":"","after":"view"}]`)},
		{rev: 8, when: at.Add(1), events: []byte(`[{"actor":"root","op":"add-member","user":"b","before":"","after":"view"}]`)},
		{rev: 9, when: at.Add(2), events: []byte(`[{"actor":"root","op":"add-member","user":"c d","before":"","after":"view"}]`)},
	}
	name, got, ok := parseNotification(notification("acme corp", group))
	if !ok || name != "acme corp" {
		t.Fatalf("parse = %q, %t", name, ok)
	}
	if diff := cmp.Diff(group, got, cmp.AllowUnexported(notified{})); diff != "" {
		t.Errorf("updates (-sent +read):\n%s", diff)
	}

	big := append(group[:2:2], notified{rev: 9, when: at, events: []byte(`"` + strings.Repeat("x", maxPayload) + `"`)})
	p := notification("acme", big)
	if len(p) > maxPayload {
		t.Fatalf("payload of %d bytes, over %d", len(p), maxPayload)
	}
	name, got, ok = parseNotification(p)
	if want := []notified{{rev: 9, when: at}}; !ok || name != "acme" || !cmp.Equal(got, want, cmp.AllowUnexported(notified{})) {
		t.Errorf("too big: parse = %q, %+v, %t; want the last update without events", name, got, ok)
	}
}

func TestNotificationMalformed(t *testing.T) {
	for _, p := range []string{
		"",
		"7 1 acme\n[]\n8 1 acme", // a head without its events
		"x 1 acme",
		"7 y acme",
		"7 1",
		"7 1 acme\n[]\n8 1 other\n[]", // two accounts
	} {
		if name, got, ok := parseNotification(p); ok {
			t.Errorf("parseNotification(%q) = %q, %+v, true; want not ok", p, name, got)
		}
	}
}
