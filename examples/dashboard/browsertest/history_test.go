package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// bobsForm is the Access tab's permission form for bob.
const bobsForm = `form[action="/access/set"]:has(input[name=user][value=bob])`

// TestImpactPreview: a manager checks Manage for bob and presses
// Preview; the page says what bob will be able to do, and nothing is
// saved until Save is pressed.
func TestImpactPreview(t *testing.T) {
	s := newSession(t)
	s.signIn("alice")
	s.open("/access")
	before := s.mem.Store().Load()
	s.run("check Manage for bob and preview",
		chromedp.Click(chromedp.CSS(bobsForm+` input[value=manage]`)),
		chromedp.Click(chromedp.CSS(bobsForm+` button[name=preview]`)),
		chromedp.WaitVisible(chromedp.CSS("#impact")))
	impact := value(s, "read the impact", chromedp.Text(chromedp.CSS("#impact")))
	if want := "bob will be able to: manage-teams, manage-users, view-settings"; strings.TrimSpace(impact) != want {
		t.Errorf("impact %q, want %q", impact, want)
	}
	if s.mem.Store().Load() != before {
		t.Fatal("the preview saved the change")
	}
	if p, _ := before.Permissions("bob"); p.String() != "view,billing" {
		t.Fatalf("bob holds %v before the save", p)
	}
	s.run("save",
		chromedp.Click(chromedp.CSS("#preview-save")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if flash := value(s, "read the message", chromedp.Text(chromedp.CSS(".flash"))); flash != "bob now holds view,billing,manage." {
		t.Errorf("after saving: %q", flash)
	}
	if p, _ := s.mem.Store().Load().Permissions("bob"); p.String() != "view,billing,manage" {
		t.Errorf("bob holds %v after the save", p)
	}
	if eval[bool](s, `!!document.querySelector('#impact')`) {
		t.Error("the impact is still shown after the save")
	}
}

// TestAccessAsOf: the Access tab's "as of" field shows the members as
// they were, by revision and by time, without the change forms.
func TestAccessAsOf(t *testing.T) {
	s := newSession(t)
	s.signIn("mike")
	s.open("/access")
	start := time.Now().UTC()
	s.run("add frank",
		chromedp.SendKeys(chromedp.CSS("#add-user"), "frank"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	rowOf := func(user string) string {
		t.Helper()
		return eval[string](s, `(() => { const th = [...document.querySelectorAll('tbody th')].find(th => th.textContent === '`+user+`'); return th ? th.nextElementSibling.textContent : ''; })()`)
	}
	sinceOf := func(user string) string {
		t.Helper()
		return eval[string](s, `(() => { const th = [...document.querySelectorAll('tbody th')].find(th => th.textContent === '`+user+`'); return th ? th.parentElement.querySelector('td.since').textContent : ''; })()`)
	}
	if got := rowOf("frank"); got != "view" {
		t.Fatalf("frank's row now: %q", got)
	}
	// Each row says since when, and through whose step, the member has
	// held their permissions.
	added := "since r1, added by mike on " + start.Format("2006-01-02 ")
	if got := sinceOf("frank"); !strings.HasPrefix(got, added) || !strings.HasSuffix(got, " UTC") {
		t.Errorf("frank's permissions held %q, want %q…", got, added)
	}
	for _, c := range []struct{ at, caption, frank, frankSince string }{
		{"0", "Members as of revision 0", "", ""},
		{"1", "Members as of revision 1", "view", added},
		{start.Add(-time.Minute).Format(time.RFC3339), "Members as of revision 0", "", ""},
		{start.Add(time.Hour).Format("2006-01-02T15:04"), "Members as of revision 1", "view", added},
	} {
		eval[string](s, `document.querySelector('#at').value = ''`)
		s.run("show the access as of "+c.at, chromedp.SendKeys(chromedp.CSS("#at"), c.at+kb.Enter))
		// The page before had a caption too: wait for the new page's.
		var got string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			// An evaluation may fail while the page changes: try again.
			got, _ = chromedp.Run(s.ctx, chromedp.Evaluate[string](`(() => { const c = document.querySelector('caption'); return new URLSearchParams(location.search).get('at') === `+quote(c.at)+` && c ? c.textContent : ''; })()`))
			if got != "" {
				break
			}
		}
		if got != c.caption {
			t.Errorf("as of %s: caption %q, want %q", c.at, got, c.caption)
		}
		if got := rowOf("frank"); got != c.frank {
			t.Errorf("as of %s: frank's row %q, want %q", c.at, got, c.frank)
		}
		if got := rowOf("mike"); got != "view,manage" {
			t.Errorf("as of %s: mike's row %q", c.at, got)
		}
		if got := sinceOf("frank"); !strings.HasPrefix(got, c.frankSince) || (c.frankSince == "") != (got == "") {
			t.Errorf("as of %s: frank's permissions held %q, want %q…", c.at, got, c.frankSince)
		}
		if got, want := sinceOf("mike"), "since the account was created"; got != want {
			t.Errorf("as of %s: mike's permissions held %q, want %q", c.at, got, want)
		}
		if eval[bool](s, `!!document.querySelector('form[action^="/access/"][method=post]')`) {
			t.Errorf("as of %s: change forms shown on a past state", c.at)
		}
	}
}
