package htmlreport

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/internal/fixtures"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// hostile is a student name that is markup; the pages must show it as text.
const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>`

// hostilePayload is what that student's client sent.
var hostilePayload = []byte("</pre><script>alert(3)</script>\x1b[31m")

// class forges a tcp-echo class in dir and grades it: a perfect student,
// one closing with RST, a copy of the first, an unreadable file, and a
// student whose name and payload are markup.
func class(t testing.TB, dir string) (*grade.Rubric, []grade.Result) {
	t.Helper()
	hello := []byte("Hello turtle")
	srv := fixtures.TCPServer
	alice := fixtures.NewSession(pcapio.LinkTypeEthernet)
	alice.TCP(fixtures.ClientPort(1, 0), srv, 111, 222).Echo(0, hello, 300*time.Millisecond)
	bob := fixtures.NewSession(pcapio.LinkTypeEthernet)
	bob.Start = fixtures.Epoch.Add(time.Hour)
	c := bob.TCP(fixtures.ClientPort(2, 0), srv, 333, 444)
	c.Handshake(0)
	c.Send(time.Millisecond, true, hello, 0)
	c.Send(2*time.Millisecond, false, hello, 0)
	c.Reset(3*time.Millisecond, true)
	mallory := fixtures.NewSession(pcapio.LinkTypeEthernet)
	mallory.Start = fixtures.Epoch.Add(2 * time.Hour)
	mallory.TCP(fixtures.ClientPort(3, 0), srv, 555, 666).Echo(0, hostilePayload, 0)
	files := []struct {
		student, name string
		data          []byte
	}{
		{"alice", "alice.pcap", alice.Bytes(fixtures.PcapMicro)},
		{"bob", "bob.pcap", bob.Bytes(fixtures.PcapMicro)},
		{"carol", "carol.pcap", alice.Bytes(fixtures.PcapMicro)},
		{"dave", "dave.pcap", []byte("I forgot to save the capture\n")},
		{hostile, "mallory.pcap", mallory.Bytes(fixtures.PcapMicro)},
	}
	var subs []grade.Submission
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, grade.Submission{Student: f.student, Files: []string{path}})
	}
	r, err := grade.Lab("tcp-echo")
	if err != nil {
		t.Fatal(err)
	}
	res, err := grade.Grade(r, subs, grade.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return r, res
}

// report writes the class's pages into a new folder and returns it.
func report(t testing.TB) (string, []grade.Result) {
	t.Helper()
	dir := t.TempDir()
	r, res := class(t, dir)
	out := filepath.Join(dir, "report")
	if err := Write(out, r, res, Options{}); err != nil {
		t.Fatal(err)
	}
	return out, res
}

// parse reads a page with an HTML5 parser and returns its elements.
func parse(t *testing.T, path string) (*html.Node, []*html.Node) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var all []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			all = append(all, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return doc, all
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// No page holds a script but the index's own, an event handler, or a
// reference to anything outside the folder.
func checkInert(t *testing.T, path string, scripts int) []*html.Node {
	t.Helper()
	_, all := parse(t, path)
	n := 0
	for _, e := range all {
		if e.Data == "script" {
			n++
		}
		if e.Data == "img" || e.Data == "iframe" || e.Data == "object" || e.Data == "embed" || e.Data == "link" {
			t.Errorf("%s: a <%s> element", filepath.Base(path), e.Data)
		}
		for _, a := range e.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("%s: <%s %s=%q>", filepath.Base(path), e.Data, a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "src") && (strings.Contains(a.Val, ":") || strings.HasPrefix(a.Val, "//")) {
				t.Errorf("%s: <%s %s=%q> leaves the folder", filepath.Base(path), e.Data, a.Key, a.Val)
			}
		}
	}
	if n != scripts {
		t.Errorf("%s: %d scripts, want %d", filepath.Base(path), n, scripts)
	}
	return all
}

func TestReport(t *testing.T) {
	dir, res := report(t)
	pages := PageNames(res)
	if len(pages) != 5 {
		t.Fatalf("pages %v", pages)
	}
	idx := checkInert(t, filepath.Join(dir, "index.html"), 1)
	rows := 0
	for _, e := range idx {
		if e.Data == "tr" {
			if _, ok := attr(e, "data-score"); ok {
				rows++
			}
		}
	}
	if rows != 5 {
		t.Errorf("index: %d student rows, want 5", rows)
	}
	idxText, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	for _, want := range []string{`href="alice.html"`, `copy? <a href="carol.html">carol</a>`, `class="flag review"`, "Score histogram",
		"&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !bytes.Contains(idxText, []byte(want)) {
			t.Errorf("index lacks %q", want)
		}
	}
	for student, page := range pages {
		all := checkInert(t, filepath.Join(dir, page), 0)
		// Every link to a frame has its frame on the page.
		ids := map[string]bool{}
		for _, e := range all {
			if id, ok := attr(e, "id"); ok {
				ids[id] = true
			}
		}
		for _, e := range all {
			if h, ok := attr(e, "href"); ok && strings.HasPrefix(h, "#") && !ids[h[1:]] {
				t.Errorf("%s: link %s to nothing", page, h)
			}
		}
		if student == hostile {
			data, _ := os.ReadFile(filepath.Join(dir, page))
			if bytes.Contains(data, []byte("<script>")) || bytes.Contains(data, []byte("\x1b")) {
				t.Errorf("%s: the student's name or payload reached the page as markup or a control byte", page)
			}
			if page != "___script_alert_1___script__img_src_x_onerror_alert_2__.html" {
				t.Errorf("hostile student's page is %q", page)
			}
		}
	}
	// bob's reason names frame 8, linked to the listing.
	_, all := parse(t, filepath.Join(dir, "bob.html"))
	linked := false
	for _, e := range all {
		if h, _ := attr(e, "href"); h == "#f8" && text(e) == "8" {
			linked = true
		}
	}
	if !linked {
		t.Error(`bob.html: "frame 8" in the close check's reason is not a link to #f8`)
	}
	// dave's capture is unreadable: a page with the error, no pictures.
	dave, _ := os.ReadFile(filepath.Join(dir, "dave.html"))
	if !bytes.Contains(dave, []byte("could not be read")) || bytes.Contains(dave, []byte("<svg")) {
		t.Error("dave.html: want the read error and no picture")
	}
}

func TestLinkFrames(t *testing.T) {
	for _, c := range []struct {
		msg  string
		want string // frames in brackets
	}{
		{"the connection ended with RST from the client (frame 8) instead of FIN", "the connection ended with RST from the client (frame [8]) instead of FIN"},
		{"frames 3–5 and 9 are late", "frames [3]–[5] and [9] are late"},
		{"frames 1 to 4", "frames [1] to [4]"},
		{"frames 2, 7 and 3 more", "frames [2], [7] and 3 more"},
		{"the capture has 10 frames: 4 TCP segments", "the capture has 10 frames: 4 TCP segments"},
		{"all 10 frames identical", "all 10 frames identical"},
		{"no frames", "no frames"},
		{"keyframe 3", "keyframe 3"},
	} {
		var b strings.Builder
		for _, s := range linkFrames(c.msg) {
			if s.Frame > 0 {
				b.WriteString("[" + s.Text + "]")
			} else {
				b.WriteString(s.Text)
			}
		}
		if b.String() != c.want {
			t.Errorf("%q: got %q, want %q", c.msg, b.String(), c.want)
		}
	}
}

func TestPageNames(t *testing.T) {
	got := PageNames([]grade.Result{{Student: "index"}, {Student: "a/b"}, {Student: "a?b"}, {Student: ".."}, {Student: "Zoë"}})
	want := map[string]string{"index": "index-2.html", "a/b": "a_b.html", "a?b": "a_b-2.html", "..": "__.html", "Zoë": "Zo_.html"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: page %q, want %q", k, got[k], v)
		}
	}
}

// Issue 25 item 10: the review badge says what the JSON's review says and
// nothing else (notes are shown as notes), counts agree in number, and a
// result graded from a program's output, or a run's capture not kept,
// says so instead of naming a capture and failing to draw it.
func TestReviewBadgeAndWording(t *testing.T) {
	dir := t.TempDir()
	r, res := class(t, dir)
	byName := map[string]*grade.Result{}
	for i := range res {
		byName[res[i].Student] = &res[i]
	}
	alice, bob := byName["alice"], byName["bob"]
	alice.Review, alice.Notes = nil, []string{"graded on 9 frames"}
	alice.Copies = nil
	bob.Review = []string{"the capture is cut short after frame 8: what came after could not be graded"}
	for i := range bob.Checks { // exactly one check passed
		bob.Checks[i].Passed = i == 0
	}
	prog := *alice
	prog.Student, prog.File, prog.Frames = "erin", "(program output)", 0
	run := *alice
	run.Student, run.File = "frank", "(capture of the run)"
	res = append(res, prog, run)
	out := filepath.Join(dir, "report")
	if err := Write(out, r, res, Options{}); err != nil {
		t.Fatal(err)
	}
	page := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, PageNames(res)[name]))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if a := page("alice"); strings.Contains(a, `class="flag review"`) || !strings.Contains(a, "Note: graded on 9 frames") {
		t.Errorf("alice.html: a review badge without a JSON review, or the note lost")
	}
	b := page("bob")
	if !strings.Contains(b, `<span class="flag review">review</span> the capture is cut short after frame 8`) {
		t.Errorf("bob.html: the badge does not carry the JSON's review text")
	}
	if !strings.Contains(b, "1 check passed, ") {
		t.Errorf("bob.html: want \"1 check passed\"")
	}
	for name, want := range map[string]string{"erin": "Graded: the program's output", "frank": "Graded: turtle's capture of the program's run"} {
		p := page(name)
		if !strings.Contains(p, strings.ReplaceAll(want, "'", "&#39;")) || strings.Contains(p, "Capture: (") || strings.Contains(p, "Reading the capture for the pictures stopped") {
			t.Errorf("%s.html: want %q, no capture named, no read error", name, want)
		}
	}
	idx, _ := os.ReadFile(filepath.Join(out, "index.html"))
	want := 0
	for _, x := range res {
		want += len(x.Review)
	}
	if got := strings.Count(string(idx), `class="flag review"`); got != want {
		t.Errorf("index: %d review badges, want one per JSON review reason (%d)", got, want)
	}
}

// Issue 25 item 11: the pictures have an opaque background (they were
// unreadable on a dark one) and shrink to the page's width (the timeline
// overflowed it, and at phone width the histogram's last bar was hidden).
func TestPicturesFitAndAreOpaque(t *testing.T) {
	dir, res := report(t)
	for _, page := range []string{"index.html", PageNames(res)["bob"]} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if !strings.Contains(s, "figure svg{border:1px solid #e3e3e3;background:#fff;max-width:100%;height:auto}") {
			t.Errorf("%s: pictures neither shrink to the page nor have a background", page)
		}
		if n, bg := strings.Count(s, "<svg"), strings.Count(s, `<rect width="100%" height="100%" fill="#fff"/>`); n == 0 || bg != n {
			t.Errorf("%s: %d pictures, %d with an opaque background", page, n, bg)
		}
	}
}

func TestOutputsWrite(t *testing.T) {
	r, _, err := grade.LoadRubric("udp-echo", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	results := []grade.Result{{Student: "ann", Max: r.MaxScore()}}
	dir := t.TempDir()
	o := Outputs{Outputs: grade.Outputs{CSV: filepath.Join(dir, "grades.csv")}, Dir: filepath.Join(dir, "pages")}
	if msgs, ok := o.Write(r, results); !ok || len(msgs) != 0 {
		t.Fatalf("Write: %q, %v", msgs, ok)
	}
	for _, f := range []string{"grades.csv", "pages/index.html", "pages/ann.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
	// A folder that cannot be made: said, and the CSV still written.
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	o = Outputs{Outputs: grade.Outputs{CSV: filepath.Join(dir, "again.csv")}, Dir: filepath.Join(dir, "file", "pages")}
	msgs, ok := o.Write(r, results)
	if ok || len(msgs) != 1 || !strings.Contains(msgs[0], "file") {
		t.Errorf("Write into a file: %q, %v", msgs, ok)
	}
	if _, err := os.Stat(filepath.Join(dir, "again.csv")); err != nil {
		t.Errorf("the CSV beside a page that failed: %v", err)
	}
}
