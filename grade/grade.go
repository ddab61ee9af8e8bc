// Package grade grades students' packet captures against a lab of the class
// notes — UDP and TCP echo, the concurrent and iterative servers, ping,
// sniffing — and says in each failed check why, with frame numbers.
//
// It is a package of its own because grading a class's captures is a job
// no package above has: pcapio reads files and decode dissects frames
// (grade reads every frame through decode.Packet), while grading follows
// flows (flow/tcpstream, the reassembly follow uses too, keyed by
// flow.Tracker's stream, so that segmentation does not matter and a client
// run twice from one port is two connections), applies a rubric an instructor can edit,
// compares students with one another, and writes scores in the formats
// course tools read (CSV, JSON, Gradescope, Autolab, Moodle, Canvas).
//
// What a capture cannot prove is not blamed on the student: bytes cut by
// the snapshot length or lost by the capture are counted by sequence
// numbers and the result carries a Review reason instead of a failed check.
//
// A capture is read once, streaming: per-flow state is bounded (the first
// bytes of each stream, echoes compared as they arrive, tables capped at
// maxTracked entries, one budget for bytes awaiting echoes), so a capture's
// size does not decide the memory used.
// Damaged captures are graded on the frames that could be read, with a
// note; an unreadable file scores 0 with its error.
//
// The same grading runs while a capture is made: a Stream takes the frames
// one at a time, from a file or from a live interface (Live, for turtle
// grade --live), and judges the checks as the capture stands.
package grade

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/turtle-sniffer/turtle/pcapio"
)

// Submission is one student's captures: the best-scoring one counts.
type Submission struct {
	Student string
	ID      string   // the LMS's identifier of the student, when the export names one
	Files   []string // captures; dir/x.zip/member is a member of a zip file
	Why     string   // why there is no capture, when Files is empty ("no submission")

	other []string // files of the submission that are not captures
}

// CheckResult is one check of one capture.
type CheckResult struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Points   float64 `json:"points"`
	Max      float64 `json:"max_points"`
	Passed   bool    `json:"passed"`
	Message  string  `json:"message,omitempty"`  // why it failed
	Feedback string  `json:"feedback,omitempty"` // the rubric's advice, when it failed
}

// Copy flags a capture that looks copied from, or to, another student's.
type Copy struct {
	Student  string `json:"student"`
	File     string `json:"file"`
	Evidence string `json:"evidence"`
}

// Result is one student's grade.
type Result struct {
	Student  string        `json:"student"`
	ID       string        `json:"id,omitempty"` // the LMS's identifier, from the export's names or the roster
	File     string        `json:"file"`         // the capture graded
	Score    float64       `json:"score"`
	Max      float64       `json:"max_score"`
	Frames   int           `json:"frames"`
	Checks   []CheckResult `json:"checks"`
	Notes    []string      `json:"notes,omitempty"`    // damage, other captures
	Warnings []string      `json:"warnings,omitempty"` // checksum errors
	Copies   []Copy        `json:"copies,omitempty"`
	Error    string        `json:"error,omitempty"` // why the capture could not be read
	// Review says why a person should look at the grade: a capture cut by
	// the snapshot length, with holes, damaged, or possibly copied. The
	// score stands on what the capture proves; these reasons say what it
	// could not.
	Review []string `json:"review,omitempty"`
	// Penalty is the points taken off for traffic on the wrong port
	// (the rubric's [penalty]); the checks were graded on that port.
	Penalty float64 `json:"penalty,omitempty"`

	print *fingerprint
}

// Failed returns the checks that did not pass.
func (r *Result) Failed() []CheckResult {
	var out []CheckResult
	for _, c := range r.Checks {
		if !c.Passed {
			out = append(out, c)
		}
	}
	return out
}

// compiled is a rubric with every check's parameters resolved.
type compiled struct {
	r      *Rubric
	params []params
	ports  ports
}

func compile(r *Rubric) (*compiled, error) {
	cr := &compiled{r: r}
	for _, c := range r.Checks {
		if checkKinds[c.Kind].judge == nil {
			return nil, fmt.Errorf("check %q: unknown kind %q", c.ID, c.Kind)
		}
		p, err := c.resolve(r.Defaults)
		if err != nil {
			return nil, fmt.Errorf("check %q: %w", c.ID, err)
		}
		cr.params = append(cr.params, p)
		if !p.portSet {
			continue
		}
		switch c.Kind[:3] {
		case "udp":
			if !contains(cr.ports.udp, p.port) {
				cr.ports.udp = append(cr.ports.udp, p.port)
			}
		case "tcp":
			if !contains(cr.ports.tcp, p.port) {
				cr.ports.tcp = append(cr.ports.tcp, p.port)
			}
		}
	}
	return cr, nil
}

// Options tune a batch.
type Options struct {
	Workers int // captures graded at once; 0 means GOMAXPROCS
}

// Grade grades every submission against r, in parallel, and flags
// captures that look copied between students. Results are sorted by
// student, whatever order the workers finish in.
func Grade(r *Rubric, subs []Submission, opt Options) ([]Result, error) {
	cr, err := compile(r)
	if err != nil {
		return nil, err
	}
	type job struct{ sub, file int }
	var jobs []job
	for i, s := range subs {
		for j := range s.Files {
			jobs = append(jobs, job{i, j})
		}
	}
	out := make([]Result, len(jobs))
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				out[i] = cr.gradeFile(subs[j.sub].Files[j.file])
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()

	results := make([]Result, 0, len(subs))
	k := 0
	for _, s := range subs {
		files := out[k : k+len(s.Files)]
		k += len(s.Files)
		res := pickBest(cr, s, files)
		res.ID = s.ID
		results = append(results, res)
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Student < results[j].Student })
	flagCopies(results)
	return results, nil
}

// GradeReader grades one capture read from rd; name is how results name it.
func GradeReader(r *Rubric, student, name string, rd io.Reader) (Result, error) {
	cr, err := compile(r)
	if err != nil {
		return Result{}, err
	}
	res := cr.gradeReader(name, rd)
	res.Student = student
	return res, nil
}

// pickBest keeps the best-scoring of a student's captures and notes the
// others.
func pickBest(cr *compiled, s Submission, files []Result) Result {
	student := s.Student
	if len(files) == 0 {
		why := s.Why
		if why == "" {
			why = "no capture file"
		}
		res := cr.failAll(why)
		res.Student = student
		for i := range res.Checks {
			res.Checks[i].Message = "no capture to grade"
		}
		return res
	}
	b := 0
	for i, f := range files {
		if f.Error == "" && (files[b].Error != "" || f.Score > files[b].Score) {
			b = i
		}
	}
	res := files[b]
	res.Student = student
	if len(files) > 1 {
		note := strconv.Itoa(len(files)) + " captures: graded " + res.File + "; also"
		for i, f := range files {
			if i == b {
				continue
			}
			if f.Error != "" {
				note += " " + f.File + " (unreadable)"
			} else {
				note += " " + f.File + " (" + score(f.Score) + "/" + score(f.Max) + ")"
			}
		}
		res.Notes = append([]string{note}, res.Notes...)
	}
	return res
}

// score prints points without a needless fraction: 10, 7.5.
func score(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// failAll is the result of a capture that could not be read: every check
// failed for that one reason.
func (cr *compiled) failAll(why string) Result {
	res := Result{Max: cr.r.MaxScore(), Error: why}
	for _, c := range cr.r.Checks {
		res.Checks = append(res.Checks, CheckResult{ID: c.ID, Name: c.Name, Max: c.Points,
			Message: "the capture could not be read"})
	}
	return res
}

func (cr *compiled) gradeFile(path string) Result {
	f, err := openCapture(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
		}
		res := cr.failAll(err.Error())
		res.File = path
		return res
	}
	defer f.Close()
	res, c := cr.gradeCapture(path, f)
	return cr.applyPenalty(res, c, func() (io.ReadCloser, error) { return openCapture(path) })
}

func (cr *compiled) gradeReader(name string, rd io.Reader) Result {
	res, c := cr.gradeCapture(name, rd)
	var reopen func() (io.ReadCloser, error)
	if s, ok := rd.(io.ReadSeeker); ok {
		reopen = func() (io.ReadCloser, error) {
			_, err := s.Seek(0, io.SeekStart)
			return io.NopCloser(s), err
		}
	}
	return cr.applyPenalty(res, c, reopen)
}

// gradeCapture grades one capture, returning its state too (nil when it
// could not be read) for a second look (applyPenalty).
func (cr *compiled) gradeCapture(name string, rd io.Reader) (Result, *capture) {
	g := newGrader(cr.ports)
	head := &headRecorder{r: rd}
	if err := g.read(head); err != nil {
		res := cr.failAll(readError(err, head))
		res.File = name
		return res, nil
	}
	return cr.result(name, g.c), g.c
}

// result judges a capture read with cr's ports against cr's checks.
func (cr *compiled) result(name string, c *capture) Result {
	fp := c.print // a copy: a pointer into c would keep the whole capture state alive
	res := Result{File: name, Max: cr.r.MaxScore(), Frames: c.frames, print: &fp}
	res.Checks, res.Score = cr.checks(c)
	res.Notes = notes(c)
	res.Warnings = c.sums.warnings()
	res.Review = append([]string(nil), c.review...) // after notes, which add to it
	return res
}

// checks judges every check of cr on c as it stands: at the end of a
// capture (result), or while a live one goes on (Stream.Check).
func (cr *compiled) checks(c *capture) ([]CheckResult, float64) {
	var out []CheckResult
	score := 0.0
	for i, ch := range cr.r.Checks {
		ok, why := evaluate(c, ch.Kind, cr.params[i])
		cres := CheckResult{ID: ch.ID, Name: ch.Name, Max: ch.Points, Passed: ok}
		if ok {
			cres.Points = ch.Points
			score += ch.Points
		} else {
			cres.Message, cres.Feedback = why, ch.Feedback
		}
		out = append(out, cres)
	}
	onceEach(out)
	return out, score
}

// onceEach words a wrong port or address shared by several failed checks once: a later
// check whose reason ends like an earlier one's (the same "; the client
// connected to port 12501 (frame 1) instead") keeps only its own first
// part and points to the earlier check.
func onceEach(checks []CheckResult) {
	for i := range checks {
		c := &checks[i]
		_, tail, ok := strings.Cut(c.Message, "; ")
		if c.Passed || !ok || !strings.HasSuffix(tail, " instead") {
			continue // only the wrong port or address is worth saying once
		}
		for j := 0; j < i; j++ {
			e := checks[j]
			if !e.Passed && strings.HasSuffix(e.Message, "; "+tail) {
				c.Message = strings.TrimSuffix(c.Message, "; "+tail) + " (the reason is under " + e.ID + ")"
				break
			}
		}
	}
}

// headRecorder keeps the first bytes read from a file, to say what a file
// that is not a capture is instead.
type headRecorder struct {
	r    io.Reader
	head []byte
	n    int64
}

func (h *headRecorder) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if len(h.head) < 64 {
		h.head = append(h.head, p[:min(n, 64-len(h.head))]...)
	}
	h.n += int64(n)
	return n, err
}

// readError words why a file could not be read as a capture: an empty
// file, a text export saved under a capture's name, or the reader's error.
func readError(err error, h *headRecorder) string {
	if h.n == 0 {
		return "the file is empty: the capture was not saved (stop the capture with Ctrl-C, or save it in Wireshark, before handing it in)"
	}
	text := len(h.head) > 0
	for _, c := range h.head {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' && c < 0x80 {
			text = false
		}
	}
	if text {
		return "the file is text, not a capture (a tshark or Wireshark text export?): save the capture itself, as pcapng (Wireshark: File → Save As; tshark or tcpdump: -w FILE)"
	}
	return err.Error()
}

// notes words what limited the grading of a capture.
func notes(c *capture) []string {
	var n []string
	if c.damage != nil {
		what := "reading stopped"
		var fe *pcapio.FormatError
		switch {
		case errors.Is(c.damage, pcapio.ErrTruncated):
			what = "the capture is cut short"
		case errors.As(c.damage, &fe):
			what = "the capture is damaged"
		}
		n = append(n, what+" after frame "+itoa(c.frames)+" ("+c.damage.Error()+"): graded on the "+
			plural(c.frames, "frame")+" before")
		c.addReview(what + " after frame " + itoa(c.frames) + ": what came after could not be graded")
	}
	if c.badFrames.n > 0 {
		n = append(n, c.badFrames.String()+" could not be decoded ("+c.badErr+")")
	}
	if c.cut.n > 0 {
		n = append(n, c.cut.String()+" were cut by the snapshot length: their data is incomplete")
	}
	if c.ipFrames == 0 && c.frames > 0 {
		lts := ""
		for i, lt := range c.linkTypes {
			if i > 0 {
				lts += ", "
			}
			lts += strconv.Itoa(int(lt))
		}
		n = append(n, "no frame holds an IP packet turtle grades (link types: "+lts+")")
	}
	for _, d := range []struct {
		n    int
		what string
	}{{c.udp.dropped, "datagrams"}, {c.tcp.dropped, "connections"}, {c.icmp.dropped, "echo requests"}} {
		if d.n > 0 {
			n = append(n, "graded on the first "+itoa(maxTracked)+" "+d.what+"; "+itoa(d.n)+" more were not tracked")
		}
	}
	if c.tcp.budget.over {
		why := "capture too large to grade fully: its connections held more than " + itoa(pendBudget>>20) +
			" MiB awaiting echoes at once; past that, echoes were counted, not compared"
		n = append(n, why)
		c.addReview(why)
	}
	for _, k := range c.tcp.conns {
		if k.unchecked && !c.tcp.budget.over {
			n = append(n, "the connection from port "+itoa(int(k.key.client.Port()))+" held more than "+
				itoa(maxPending>>10)+" KiB awaiting an echo: the rest was counted, not compared")
			break
		}
	}
	return n
}

// copyReview starts the review reason of a possible copy.
const copyReview = "possible copy: shares frames with "

// flagCopies compares every pair of students' captures.
func flagCopies(results []Result) {
	for i := range results {
		a := &results[i]
		if a.print == nil || a.print.nFrames == 0 {
			continue
		}
		for j := i + 1; j < len(results); j++ {
			b := &results[j]
			if b.print == nil || b.print.nFrames == 0 || a.Student == b.Student {
				continue
			}
			why := similar(a.print, b.print)
			if why == "" {
				continue
			}
			a.Copies = append(a.Copies, Copy{Student: b.Student, File: b.File, Evidence: why})
			b.Copies = append(b.Copies, Copy{Student: a.Student, File: a.File, Evidence: why})
			a.Review = append(a.Review, copyReview+b.Student+"'s capture")
			b.Review = append(b.Review, copyReview+a.Student+"'s capture")
		}
	}
}
