package htmlreport

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/internal/browsertest"
)

// chromium finds Debian's headless browser, or skips.
func chromium(t *testing.T) string { return browsertest.Find(t) }

// browse opens url in headless Chromium with one more action flag
// (--dump-dom, --screenshot=FILE) and returns standard output and the
// console messages the page logged. Chromium logs every console message
// at INFO level as ":CONSOLE", errors and uncaught exceptions included,
// and the pages log nothing on their own, so any such line is a failure.
func browse(t *testing.T, bin, url string, width, height int, action string) (string, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := browsertest.Command(ctx, t, bin, "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
		"--window-size="+itoa(width)+","+itoa(height), action, url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s %s: %v\n%s", action, url, err, stderr.String())
	}
	var console []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			console = append(console, line)
		}
	}
	return stdout.String(), console
}

func itoa(n int) string { return strconv.Itoa(n) }

// The console check catches what it must: a page with an uncaught error
// and a blocked request reports both.
func TestBrowserConsoleCheck(t *testing.T) {
	bin := chromium(t)
	page := filepath.Join(t.TempDir(), "bad.html")
	os.WriteFile(page, []byte(`<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="`+csp+`"></head>`+
		`<body><img src="http://192.0.2.1/x.png"><script>noSuchFunction()</script></body></html>`), 0o644)
	_, console := browse(t, bin, "file://"+page, 800, 600, "--dump-dom")
	joined := strings.Join(console, "\n")
	if !strings.Contains(joined, "noSuchFunction") || !strings.Contains(joined, "Content Security Policy") {
		t.Fatalf("the console check missed an error or a blocked request:\n%s", joined)
	}
}

// A real browser opens the class page and a student's page: no console
// error, the script sorts, the scores and reasons are in the rendered
// page, and a screenshot of each is taken.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	dir, res := report(t)
	shots := t.TempDir()
	if keep := os.Getenv("TURTLE_SCREENSHOTS"); keep != "" {
		shots = keep // a folder to look at the pictures: TURTLE_SCREENSHOTS=/tmp/shots
	}

	// The index, sorted by score (highest first) from the URL.
	dom, console := browse(t, bin, "file://"+filepath.Join(dir, "index.html")+"#sort=score-desc", 1280, 900, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("index.html: console messages:\n%s", strings.Join(console, "\n"))
	}
	if !strings.Contains(dom, `data-sorted="score-desc"`) {
		t.Errorf("index.html: the sort script did not run (no data-sorted=\"score-desc\")")
	}
	var order []string
	for _, m := range regexp.MustCompile(`data-score="([0-9.]+)"`).FindAllStringSubmatch(dom, -1) {
		order = append(order, m[1])
	}
	if len(order) != len(res) || order[0] != "10" || order[len(order)-1] != "0" {
		t.Errorf("index.html: scores in the rendered table %v, want highest first", order)
	}
	for _, want := range []string{">alice</a>", ">10/10<", "copy?", "review", "&lt;script&gt;alert(1)"} {
		if !strings.Contains(dom, want) {
			t.Errorf("index.html: rendered page lacks %q", want)
		}
	}
	if strings.Contains(dom, "<script>alert") {
		t.Error("index.html: a student's name became a script")
	}

	// bob's page: the score, the reason with its frame linked, the listing.
	bob := filepath.Join(dir, PageNames(res)["bob"])
	dom, console = browse(t, bin, "file://"+bob, 412, 900, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("bob.html: console messages:\n%s", strings.Join(console, "\n"))
	}
	var bobRes grade.Result
	for _, r := range res {
		if r.Student == "bob" {
			bobRes = r
		}
	}
	var reason string
	for _, c := range bobRes.Failed() {
		reason = c.Message
	}
	if reason == "" {
		t.Fatal("bob failed no check")
	}
	before, _, _ := strings.Cut(reason, "frame ")
	for _, want := range []string{`id="score">` + score(bobRes.Score) + "/" + score(bobRes.Max) + "<", before, `<a href="#f8">8</a>`,
		`id="f8"`, "Source Port:", "Ladder of bob.pcap", "Timeline of bob.pcap"} {
		if !strings.Contains(dom, want) {
			t.Errorf("bob.html: rendered page lacks %q", want)
		}
	}

	// Screenshots: the class on a desktop, a student on a phone.
	browse(t, bin, "file://"+filepath.Join(dir, "index.html"), 1280, 900, "--screenshot="+filepath.Join(shots, "index.png"))
	browse(t, bin, "file://"+bob, 412, 1800, "--screenshot="+filepath.Join(shots, "student.png"))
	browse(t, bin, "file://"+filepath.Join(dir, "index.html"), 412, 900, "--screenshot="+filepath.Join(shots, "index-phone.png"))
	for _, name := range []string{"index.png", "student.png", "index-phone.png"} {
		data, err := os.ReadFile(filepath.Join(shots, name))
		if err != nil || len(data) < 5000 || !bytes.HasPrefix(data, []byte("\x89PNG")) {
			t.Errorf("screenshot %s: %d bytes, %v", name, len(data), err)
		}
	}
}
