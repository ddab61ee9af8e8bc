// Package htmlreport writes a class's grades as web pages for
// `turtle grade --html DIR`: DIR/index.html (the class table, sortable by a
// click on a column header, a score histogram, copy and review flags, a
// link to each student) and one page per student (score, every check with
// its reason and feedback, the student's ladder and timeline, the frame
// numbers in the reasons linked to the frames in a turtle-text listing).
//
// It is a package of its own because it joins three that know nothing of
// one another: grade's results, draw's pictures and decode's turtle text;
// grade itself stays about scoring. Pages are made with html/template, so
// everything a student controls (names, file names, payload in the
// listing and the pictures) is escaped in its context. Pages are
// self-contained: the style and the few lines of script are inline, the
// pictures are inline SVG, and a Content-Security-Policy forbids the
// browser every request, so they open offline and from a mail attachment.
package htmlreport

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/turtle-sniffer/turtle/capture"
	"github.com/turtle-sniffer/turtle/decode"
	"github.com/turtle-sniffer/turtle/draw"
	"github.com/turtle-sniffer/turtle/grade"
	"github.com/turtle-sniffer/turtle/internal/outfile"
	"github.com/turtle-sniffer/turtle/pcapio"
)

// Options tune the pages.
type Options struct {
	// MaxFrames bounds the arrows of each ladder (0: draw's default, 200).
	MaxFrames int
	// MaxListing bounds the frames listed in turtle text on a student's
	// page (0: 300); frames named in a reason are listed whatever their
	// number.
	MaxListing int
}

const defaultListing = 300

// Outputs are what `turtle grade` writes besides its table: the files of
// grade.Outputs and the pages.
type Outputs struct {
	grade.Outputs
	Dir string // --html: the pages' folder (Write); "" for none
}

// Write writes grade.Outputs, then the pages; msgs and ok are as
// grade.Outputs.Write's, a page that could not be written one more.
func (o Outputs) Write(r *grade.Rubric, results []grade.Result) (msgs []string, ok bool) {
	msgs, ok = o.Outputs.Write(r, results)
	if o.Dir != "" {
		if err := Write(o.Dir, r, results, Options{}); err != nil {
			msgs, ok = append(msgs, err.Error()), false
		}
	}
	return msgs, ok
}

// Write writes DIR/index.html and one page per student into dir, which is
// created if needed. It returns the first error writing a file.
func Write(dir string, r *grade.Rubric, results []grade.Result, opt Options) error {
	if opt.MaxListing <= 0 {
		opt.MaxListing = defaultListing
	}
	if err := outfile.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: cannot make the folder: %w", dir, pathErr(err))
	}
	pages := PageNames(results)
	ports := labPorts(r)
	for i := range results {
		p := studentPage(r, &results[i], pages, ports, opt)
		if err := writeFile(filepath.Join(dir, pages[results[i].Student]), func(w io.Writer) error {
			return studentTmpl.Execute(w, p)
		}); err != nil {
			return err
		}
	}
	idx := indexPage(r, results, pages)
	return writeFile(filepath.Join(dir, "index.html"), func(w io.Writer) error { return indexTmpl.Execute(w, idx) })
}

func writeFile(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := outfile.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, pathErr(err))
	}
	return nil
}

// pathErr drops the operation and path that os puts in an error, since
// the caller names the file.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// PageNames maps each student to a page file name: the name kept to
// letters, digits, dash and underscore (anything else is "_"), made
// unique with -2, -3, and never index.html.
func PageNames(results []grade.Result) map[string]string {
	out := map[string]string{}
	used := map[string]bool{"index": true}
	for _, res := range results {
		if _, ok := out[res.Student]; ok {
			continue
		}
		var b strings.Builder
		for _, c := range res.Student {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
				b.WriteRune(c)
			default:
				b.WriteByte('_')
			}
		}
		base := b.String()
		if base == "" {
			base = "_"
		}
		name := base
		for n := 2; used[strings.ToLower(name)]; n++ {
			name = base + "-" + strconv.Itoa(n)
		}
		used[strings.ToLower(name)] = true
		out[res.Student] = name + ".html"
	}
	return out
}

// labPorts are the ports the rubric names: the lab's conversation. None
// (ping, sniffer) draws every frame.
func labPorts(r *grade.Rubric) []uint16 {
	var ports []uint16
	add := func(p *int) {
		if p == nil || *p <= 0 || *p > 65535 {
			return
		}
		for _, q := range ports {
			if q == uint16(*p) {
				return
			}
		}
		ports = append(ports, uint16(*p))
	}
	add(r.Defaults.Port)
	for _, c := range r.Checks {
		add(c.Port)
	}
	return ports
}

// score formats points as the table does: 7.5, 10.
func score(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// --- the class page ---

type indexRow struct {
	Student, Page, File string
	Score, Max          string
	ScoreValue          float64
	Failed              int
	Copies              []copyFlag
	Review              []string
	Flags               int
}

type copyFlag struct {
	Student, Page, Evidence string
}

type histBar struct {
	Label          string
	Count          int
	X, Y, W, H, TY int
}

type indexData struct {
	Title     string
	Lab       string
	Max       string
	Students  int
	Mean      string
	Median    string
	Rows      []indexRow
	Hist      []histBar
	HistDesc  string
	HistW     int
	HistH     int
	HistAxisY int
	Copies    int
	Reviews   int
}

func indexPage(r *grade.Rubric, results []grade.Result, pages map[string]string) indexData {
	d := indexData{Title: r.Title, Lab: r.Lab, Max: score(r.MaxScore()), Students: len(results)}
	scores := make([]float64, 0, len(results))
	for _, res := range results {
		row := indexRow{Student: res.Student, Page: pages[res.Student], File: res.File,
			Score: score(res.Score), Max: score(res.Max), ScoreValue: res.Score, Failed: len(res.Failed())}
		for _, c := range res.Copies {
			row.Copies = append(row.Copies, copyFlag{Student: c.Student, Page: pages[c.Student], Evidence: c.Evidence})
		}
		row.Review = reviewReasons(&res)
		row.Flags = len(row.Copies) + len(row.Review)
		if len(row.Copies) > 0 {
			d.Copies++
		}
		if len(row.Review) > 0 {
			d.Reviews++
		}
		d.Rows = append(d.Rows, row)
		scores = append(scores, res.Score)
	}
	if len(scores) > 0 {
		sum := 0.0
		for _, s := range scores {
			sum += s
		}
		sort.Float64s(scores)
		med := scores[len(scores)/2]
		if len(scores)%2 == 0 {
			med = (scores[len(scores)/2-1] + scores[len(scores)/2]) / 2
		}
		d.Mean = strconv.FormatFloat(sum/float64(len(scores)), 'f', 1, 64)
		d.Median = score(med)
	}
	d.histogram(scores, r.MaxScore())
	return d
}

// reviewReasons are the reasons a person should look at a grade, as the
// JSON report's review says them (a damaged or cut capture, a possible
// copy...): the review badge shows them and nothing else, so a student the
// JSON does not flag is not flagged here. Notes and warnings are shown
// as what they are (otherNotes).
func reviewReasons(res *grade.Result) []string {
	return res.Review
}

// otherNotes are a result's notes and warnings that are not review reasons.
func otherNotes(res *grade.Result) []string {
	var out []string
	for _, n := range append(append([]string(nil), res.Notes...), res.Warnings...) {
		if !slices.Contains(res.Review, n) {
			out = append(out, n)
		}
	}
	return out
}

// histogram counts scores in at most 10 bins (one per point when the
// maximum is 10 or less) and lays out the bars in pixels.
func (d *indexData) histogram(scores []float64, max float64) {
	bins := 10
	if max > 0 && max <= 10 && max == math.Trunc(max) {
		bins = int(max) + 1
	}
	if max <= 0 {
		bins = 1
	}
	counts := make([]int, bins)
	for _, s := range scores {
		i := 0
		switch {
		case max <= 0:
		case bins == int(max)+1 && max <= 10:
			i = int(math.Floor(s))
		default:
			i = int(s / max * float64(bins))
		}
		counts[min(max0(i), bins-1)]++
	}
	top := 1
	for _, c := range counts {
		top = maxInt(top, c)
	}
	const barW, gap, plotH = 36, 8, 120
	d.HistW = 40 + bins*(barW+gap)
	d.HistH = plotH + 60
	d.HistAxisY = plotH + 20
	var desc []string
	for i, c := range counts {
		var label string
		if bins == int(max)+1 && max <= 10 {
			label = strconv.Itoa(i)
		} else {
			lo := max * float64(i) / float64(bins)
			label = strconv.FormatFloat(lo, 'f', -1, 64) + "+"
		}
		h := c * plotH / top
		x := 30 + i*(barW+gap)
		d.Hist = append(d.Hist, histBar{Label: label, Count: c, X: x, W: barW, H: h, Y: plotH + 20 - h, TY: plotH + 20 - h - 4})
		desc = append(desc, label+": "+strconv.Itoa(c))
	}
	d.HistDesc = "Students per score (points, left to right): " + strings.Join(desc, "; ") + "."
}

func max0(i int) int {
	if i < 0 {
		return 0
	}
	return i
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// --- a student's page ---

type segment struct {
	Text  string
	Frame int // > 0: a link to the frame in the listing
}

type checkRow struct {
	ID, Name      string
	Points, Max   string
	Passed        bool
	Reason        []segment
	Feedback      string
	LinkedFrames  []int
	ReasonPresent bool
}

type listedFrame struct {
	Number int
	Head   string
	Text   string
}

type studentData struct {
	Lab, Title            string
	Student, File         string
	Score, Max            string
	Frames                int
	Error                 string
	Checks                []checkRow
	Copies                []copyFlag
	Review                []string
	Notes                 []string
	ProgramOutput         bool   // graded no capture file: a program's output, or a run's capture not kept
	Graded                string // what was graded then, in words
	PassedText            string // "1 check passed, 2 failed"
	Ladder, Timeline      template.HTML
	LadderText, TimeText  string
	Listing               []listedFrame
	ListingNote           string
	ReadError             string
	HasPictures           bool
	PassedCount, Failures int
}

func studentPage(r *grade.Rubric, res *grade.Result, pages map[string]string, ports []uint16, opt Options) studentData {
	d := studentData{Lab: r.Lab, Title: r.Title, Student: res.Student, File: res.File, Score: score(res.Score),
		Max: score(res.Max), Frames: res.Frames, Error: res.Error, Review: reviewReasons(res), Notes: otherNotes(res),
		ProgramOutput: strings.HasPrefix(res.File, "(")}
	switch res.File {
	case "(program output)":
		d.Graded = "the program's output"
	case "(capture of the run)":
		d.Graded = "turtle's capture of the program's run (not kept: --keep-captures DIR or --html keep it)"
	default:
		d.Graded = strings.Trim(res.File, "()")
	}
	wanted := map[int]bool{}
	feedback := map[string]string{}
	for _, c := range r.Checks {
		feedback[c.ID] = c.Feedback
	}
	for _, c := range res.Checks {
		row := checkRow{ID: c.ID, Name: c.Name, Points: score(c.Points), Max: score(c.Max), Passed: c.Passed,
			Reason: linkFrames(c.Message), Feedback: c.Feedback}
		if row.Feedback == "" && !c.Passed {
			row.Feedback = feedback[c.ID]
		}
		for _, s := range row.Reason {
			if s.Frame > 0 {
				wanted[s.Frame] = true
			}
		}
		if c.Passed {
			d.PassedCount++
		} else {
			d.Failures++
		}
		d.Checks = append(d.Checks, row)
	}
	for _, c := range res.Copies {
		d.Copies = append(d.Copies, copyFlag{Student: c.Student, Page: pages[c.Student], Evidence: c.Evidence})
	}
	d.PassedText = countText(d.PassedCount, "check") + " passed, " + strconv.Itoa(d.Failures) + " failed"
	if res.File != "" && res.Error == "" && !d.ProgramOutput { // "(program output)", "(capture of the run)": no file to draw
		d.pictures(res.File, ports, wanted, opt)
	}
	// A reason may name a frame the listing does not have (an unreadable
	// capture): its number then stays text.
	listed := map[int]bool{}
	for _, f := range d.Listing {
		listed[f.Number] = true
	}
	for i := range d.Checks {
		for j := range d.Checks[i].Reason {
			if s := &d.Checks[i].Reason[j]; s.Frame > 0 && !listed[s.Frame] {
				s.Text, s.Frame = strconv.Itoa(s.Frame), 0
			}
		}
	}
	return d
}

// listingSource passes frames on to draw and keeps the turtle text of
// those the page lists.
type listingSource struct {
	src    pcapio.Source
	n      int
	max    int
	wanted map[int]bool
	t      decode.Turtle
	buf    []byte
	out    []listedFrame
	more   int
}

func (l *listingSource) ZeroCopyReadPacketData() ([]byte, pcapio.CaptureInfo, error) {
	data, ci, err := l.src.ZeroCopyReadPacketData()
	if err != nil {
		return data, ci, err
	}
	l.n++
	if l.n <= l.max || l.wanted[l.n] {
		l.buf = l.t.Append(l.buf[:0], ci.LinkType, data)
		head := "Frame " + strconv.Itoa(l.n) + ": " + strconv.Itoa(ci.CaptureLength) + " bytes captured"
		if ci.CaptureLength < ci.Length {
			head += " of " + strconv.Itoa(ci.Length)
		}
		l.out = append(l.out, listedFrame{Number: l.n, Head: head,
			Text: strings.ToValidUTF8(strings.TrimPrefix(string(l.buf), "\n"), "\uFFFD")})
	} else {
		l.more++
	}
	return data, ci, nil
}

// pictures reads the graded capture once: the ladder, the timeline and
// the listing.
func (d *studentData) pictures(path string, ports []uint16, wanted map[int]bool, opt Options) {
	r, err := capture.Open(path, nil, capture.Options{})
	if err != nil {
		d.ReadError = err.Error()
		return
	}
	defer r.Close()
	ls := &listingSource{src: r, max: opt.MaxListing, wanted: wanted}
	dg, rerr := draw.Collect(ls, draw.Options{MaxFrames: opt.MaxFrames, Stream: -1, Ports: ports, Title: filepath.Base(path)})
	if rerr != nil {
		d.ReadError = rerr.Error()
	}
	listed := map[int]bool{}
	for _, f := range ls.out {
		listed[f.Number] = true
	}
	var b bytes.Buffer
	draw.WriteLadderSVG(&b, dg, draw.SVGOptions{ID: "ladder", FrameLink: func(n int) string {
		if listed[n] {
			return "f" + strconv.Itoa(n)
		}
		return ""
	}})
	// draw escapes every name and label it writes into the SVG (its tests
	// parse the result with encoding/xml, hostile names included).
	d.Ladder = template.HTML(b.String())
	b.Reset()
	draw.WriteTimelineSVG(&b, dg, draw.SVGOptions{ID: "timeline"})
	d.Timeline = template.HTML(b.String())
	b.Reset()
	draw.WriteLadderText(&b, dg, false)
	d.LadderText = b.String()
	b.Reset()
	draw.WriteTimelineText(&b, dg, false)
	d.TimeText = b.String()
	d.HasPictures = true
	d.Listing = ls.out
	if ls.more > 0 {
		d.ListingNote = strconv.Itoa(ls.more) + " more frames are not listed (the first " + strconv.Itoa(opt.MaxListing) +
			" and those the reasons name are); turtle read " + filepath.Base(path) + " prints them all."
	}
}

// linkFrames splits a reason into text and frame numbers: "frame 8",
// "frames 3–5 and 9", "frames 1 to 4", "frames 2, 7 and 3 more" (3 is not
// a frame).
func linkFrames(msg string) []segment {
	var out []segment
	text := func(s string) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Frame == 0 {
			out[n-1].Text += s
			return
		}
		out = append(out, segment{Text: s})
	}
	i := 0
	for i < len(msg) {
		j := nextFrameWord(msg, i)
		if j < 0 {
			text(msg[i:])
			break
		}
		// msg[j:k] is "frame " or "frames ".
		k := j + len("frame ")
		if strings.HasPrefix(msg[j:], "frames ") {
			k = j + len("frames ")
		}
		text(msg[i:k])
		i = k
		for {
			n, end := number(msg, i)
			if end == i {
				break
			}
			if strings.HasPrefix(msg[end:], " more") {
				break
			}
			out = append(out, segment{Text: msg[i:end], Frame: n})
			i = end
			sep := ""
			for _, s := range []string{"–", " to ", ", ", " and "} {
				if strings.HasPrefix(msg[i:], s) {
					if _, e := number(msg, i+len(s)); e > i+len(s) {
						sep = s
					}
					break
				}
			}
			if sep == "" {
				break
			}
			text(sep)
			i += len(sep)
		}
	}
	return out
}

// nextFrameWord finds "frame " or "frames " as a word at or after i.
func nextFrameWord(msg string, i int) int {
	for {
		j := strings.Index(msg[i:], "frame")
		if j < 0 {
			return -1
		}
		j += i
		start := j == 0 || !isLetter(msg[j-1])
		rest := msg[j+len("frame"):]
		if start && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "s ")) {
			return j
		}
		i = j + len("frame")
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// number reads a decimal frame number at i; end == i when there is none.
func number(msg string, i int) (n, end int) {
	end = i
	for end < len(msg) && msg[end] >= '0' && msg[end] <= '9' && end-i < 10 {
		n = n*10 + int(msg[end]-'0')
		end++
	}
	if end == i || n == 0 {
		return 0, i
	}
	return n, end
}

// countText is "1 check", "2 checks".
func countText(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
