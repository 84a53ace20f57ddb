package journal

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
)

func FuzzRecord(f *testing.F) {
	f.Add(appendFrame(nil, func(p []byte) []byte {
		return appendUpdate(p, []account.Event{{Revision: 3, Actor: "alice", Op: account.OpAddMember, User: "bob", After: "view"}}, 2, 0)
	}))
	f.Add(appendFrame(nil, func(p []byte) []byte {
		return appendUpdate(p, []account.Event{
			{Revision: 9, Actor: "alice", Op: account.OpAddMember, User: "bob", After: "view"},
			{Revision: 9, Actor: "alice", Op: account.OpSetTeamRole, Team: "web", User: "carol", After: "admin"},
			{Revision: 9, Actor: "alice", Op: account.OpSetPermissions, User: "bob", Before: "view", After: "view,billing"},
		}, 8, 0)
	}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := newFrameReader(bytes.NewReader(b), 0)
		p, start, err := fr.next()
		if err != nil {
			if fr.off != 0 {
				t.Fatalf("a frame not read moved the reader to %d", fr.off)
			}
			return
		}
		if size := int(fr.off); start != 0 || size > len(b) || !bytes.Equal(p, b[headerLen:size]) {
			t.Fatalf("frame of %d bytes, of %d", size, len(b))
		}
		events, err := decodeUpdate(p)
		// Picking out one user's events refuses what decoding refuses,
		// and otherwise gives exactly that user's events.
		users := []string{"", "bob", "\x00"}
		for _, e := range events {
			users = append(users, e.User)
		}
		for _, u := range users {
			mine, uerr := decodeUserEventsTo(nil, p, &interner{}, u)
			if (uerr == nil) != (err == nil) {
				t.Fatalf("user %q: %v; decoding all of it: %v", u, uerr, err)
			}
			want := slices.DeleteFunc(slices.Clone(events), func(e account.Event) bool { return e.User != u })
			if err == nil && !slices.Equal(mine, want) {
				t.Fatalf("user %q: %+v, want %+v", u, mine, want)
			}
		}
		if err != nil {
			return
		}
		// What decodes encodes back to the same bytes.
		_, synced, prev, _ := recordHead(p)
		if again := appendUpdate(nil, events, synced, prev); !bytes.Equal(again, p) {
			t.Fatalf("re-encoded %x, want %x", again, p)
		}
	})
}

// FuzzCheckpoint decodes arbitrary checkpoint bytes: what decodes is a
// valid account that encodes back to the same bytes.
func FuzzCheckpoint(f *testing.F) {
	a, _ := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: 15}},
		Teams: []account.Team{{Name: "web", Members: []account.TeamMember{{User: "alice", Role: account.RoleAdmin}}}}})
	var buf bytes.Buffer
	if _, err := writeAccount(&buf, a.WithRevision(7), 2); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		a, origin, err := readAccount(newFrameReader(bytes.NewReader(b), 0))
		if err != nil {
			return
		}
		var again bytes.Buffer
		if _, err := writeAccount(&again, a, origin); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), b) {
			// Only canonical order re-encodes alike; decoding it again must agree.
			b, o2, err := readAccount(newFrameReader(bytes.NewReader(again.Bytes()), 0))
			if err != nil || o2 != origin || b.Revision() != a.Revision() || !cmp.Equal(a.Spec(), b.Spec()) {
				t.Fatalf("re-encoded checkpoint does not decode alike: %v", err)
			}
		}
	})
}

// FuzzOpen opens a journal whose last segment holds arbitrary bytes after
// its header: Open never panics, and it either fails with ErrCorrupt or
// recovers a state whose events replay to it.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{}, false)
	f.Add(appendFrame(nil, func(p []byte) []byte {
		return appendUpdate(p, []account.Event{{Revision: 1, Actor: "alice", Op: account.OpAddMember, User: "bob", After: "view"}}, 0, 0)
	}), false)
	f.Add([]byte("entaccess"), true)
	f.Fuzz(func(t *testing.T, tail []byte, raw bool) {
		dir := t.TempDir()
		a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: 15}}})
		if err != nil {
			t.Fatal(err)
		}
		j, err := create(osFS{}, dir, a, defaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		seg := filepath.Join(dir, segName(1))
		content := append([]byte(segMagic), tail...)
		if raw {
			content = tail
		}
		if err := os.WriteFile(seg, content, 0o644); err != nil {
			t.Fatal(err)
		}
		j, err = open(osFS{}, dir, defaultOptions)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt or success", err)
			}
			return
		}
		defer j.Close()
		var events []account.Event
		for e, err := range j.Events(context.Background(), 0) {
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, e)
		}
		want, err := a.Replay(events)
		if err != nil {
			t.Fatal(err)
		}
		if got := j.Store().Load(); got.Revision() != want.Revision() {
			t.Fatalf("revision %d, events replay to %d", got.Revision(), want.Revision())
		}
	})
}

// FuzzOpenDir opens a directory of odd files: a checkpoint and
// segments at arbitrary revisions with arbitrary content. Open never
// panics; it fails with an error or recovers a state that Events and a
// further update agree with.
func FuzzOpenDir(f *testing.F) {
	f.Add(uint64(0), uint64(1), uint64(0), []byte{}, []byte{}, true)
	f.Add(uint64(3), uint64(1), uint64(4), []byte{}, []byte{}, true)
	f.Add(uint64(0), uint64(0), uint64(1), []byte("x"), []byte{}, false)
	f.Add(uint64(0), uint64(0), uint64(0), []byte{}, []byte{}, true)
	f.Fuzz(func(t *testing.T, ckptRev, seg1, seg2 uint64, body1, body2 []byte, validCkpt bool) {
		dir := t.TempDir()
		a := testAccount(t).WithRevision(ckptRev)
		var cb bytes.Buffer
		writeAccount(&cb, a, min(ckptRev, seg1))
		ckpt := cb.Bytes()
		if !validCkpt {
			ckpt = append([]byte(ckptMagic), body2...)
		}
		write := func(name string, b []byte) {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(ckptName(ckptRev), ckpt)
		write(segName(seg1), append([]byte(segMagic), body1...))
		if seg2 != seg1 {
			write(segName(seg2), append([]byte(segMagic), body2...))
		}
		j, err := open(osFS{}, dir, defaultOptions)
		if err != nil {
			return
		}
		defer j.Close()
		for _, err := range j.Events(context.Background(), 0) {
			if err != nil {
				break
			}
		}
		rev := j.Store().Load().Revision()
		got, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "zed", 0) })
		if err != nil {
			return
		}
		if got.Revision() != rev+1 {
			t.Fatalf("update after revision %d published revision %d", rev, got.Revision())
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		j, err = open(osFS{}, dir, defaultOptions)
		if err != nil {
			t.Fatalf("reopening after an acknowledged update: %v", err)
		}
		if r := j.Store().Load().Revision(); r != got.Revision() {
			t.Fatalf("reopened at revision %d, want %d", r, got.Revision())
		}
	})
}
