package grade

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/turtle-sniffer/turtle/internal/termsafe"
)

// WriteTable prints one row per student: score and failed checks, each
// with why and the rubric's advice, then review reasons, notes, warnings
// and possible copies on the lines below. Lines are not wrapped.
func WriteTable(w io.Writer, r *Rubric, results []Result) error {
	return WriteTableWidth(w, r, results, 0)
}

// WriteTableWidth is WriteTable wrapping long lines at width columns (0:
// never), continued under their column with an indent. Student-controlled
// names are escaped (Escape).
func WriteTableWidth(w io.Writer, r *Rubric, results []Result, width int) error {
	title := r.Lab
	if r.Title != "" {
		title += ": " + r.Title
	}
	var b strings.Builder
	b.WriteString(oneLine("lab "+title) + " (" + plural(len(r.Checks), "check") + ", " + score(r.MaxScore()) + " points)\n\n")
	type row struct {
		name, score string
		lines       []string
	}
	rows := make([]row, 0, len(results))
	nameW, scoreW := len("STUDENT"), len("SCORE")
	for _, res := range results {
		var lines []string
		if res.Error != "" {
			lines = append(lines, "error: "+oneLine(res.Error))
		} else {
			for _, c := range res.Failed() {
				lines = append(lines, oneLine(c.ID+" "+score(c.Points)+"/"+score(c.Max)+": "+c.Message))
				if c.Feedback != "" {
					lines = append(lines, "  tip: "+oneLine(c.Feedback))
				}
			}
		}
		for _, n := range res.Review {
			if !strings.HasPrefix(n, copyReview) { // the copy? lines say it
				lines = append(lines, "review: "+oneLine(n))
			}
		}
		for _, n := range res.Notes {
			lines = append(lines, "note: "+oneLine(n))
		}
		for _, n := range res.Warnings {
			lines = append(lines, "warning: "+oneLine(n))
		}
		for _, c := range res.Copies {
			lines = append(lines, "copy? "+termsafe.Quote(c.Student)+"'s capture ("+termsafe.Quote(c.File)+"): "+oneLine(c.Evidence))
		}
		if len(lines) == 0 {
			lines = []string{"-"}
		}
		rw := row{name: termsafe.Quote(res.Student), score: score(res.Score) + "/" + score(res.Max), lines: lines}
		nameW, scoreW = max(nameW, utf8.RuneCountInString(rw.name)), max(scoreW, len(rw.score))
		rows = append(rows, rw)
	}
	indent := nameW + 2 + scoreW + 2
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-utf8.RuneCountInString(s)) }
	b.WriteString(pad("STUDENT", nameW) + "  " + pad("SCORE", scoreW) + "  FAILED CHECKS\n")
	for _, rw := range rows {
		for i, l := range rw.lines {
			if i == 0 {
				b.WriteString(pad(rw.name, nameW) + "  " + pad(rw.score, scoreW) + "  ")
			} else {
				b.WriteString(strings.Repeat(" ", indent))
			}
			for j, part := range wrap(l, width-indent) {
				if j > 0 {
					b.WriteString("\n" + strings.Repeat(" ", indent+4))
				}
				b.WriteString(part)
			}
			b.WriteString("\n")
		}
	}
	var pairs []string
	for _, res := range results {
		for _, c := range res.Copies {
			if res.Student < c.Student {
				pairs = append(pairs, "  "+termsafe.Quote(res.Student)+" and "+termsafe.Quote(c.Student)+": "+oneLine(c.Evidence)+"\n")
			}
		}
	}
	if len(pairs) > 0 {
		b.WriteString("\npossible copies (identical frames, or identical MAC addresses and timestamps):\n" + strings.Join(pairs, ""))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap cuts a line at spaces into pieces of at most width characters (the
// first) and width-4 (the rest, which are indented); width < 20 means no
// wrapping. A word longer than the width stays whole.
func wrap(s string, width int) []string {
	if width < 20 || utf8.RuneCountInString(s) <= width {
		return []string{s}
	}
	var out []string
	w := width
	for utf8.RuneCountInString(s) > w {
		cut := -1
		n := 0
		for i, r := range s {
			if n > w {
				break
			}
			if r == ' ' {
				cut = i
			}
			n++
		}
		if cut <= 0 {
			cut = strings.IndexByte(s, ' ')
			if cut < 0 {
				break
			}
		}
		out = append(out, s[:cut])
		s = strings.TrimLeft(s[cut:], " ")
		w = width - 4
	}
	return append(out, s)
}

// oneLine keeps a message on its line: control characters (a newline, a
// tab, ESC from a file name) are escaped.
func oneLine(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || (!unicode.IsPrint(r) && r != ' ') {
			q := strconv.Quote(s)
			return q[1 : len(q)-1]
		}
		i += n
	}
	return s
}

// WriteCSV writes one row per student: score, points per check (one
// column per check id), the failed checks with why, notes, warnings,
// copies and the read error.
func WriteCSV(w io.Writer, r *Rubric, results []Result) error {
	cw := csv.NewWriter(w)
	head := []string{"student", "file", "score", "max_score"}
	for _, c := range r.Checks {
		head = append(head, c.ID)
	}
	head = append(head, "failed", "feedback", "review", "notes", "warnings", "copies", "error")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, res := range results {
		row := []string{csvSafe(res.Student), csvSafe(res.File), score(res.Score), score(res.Max)}
		for _, c := range res.Checks {
			row = append(row, score(c.Points))
		}
		var failed, feedback, copies []string
		if res.Error == "" {
			for _, c := range res.Failed() {
				failed = append(failed, c.ID+": "+c.Message)
				if c.Feedback != "" {
					feedback = append(feedback, c.ID+": "+c.Feedback)
				}
			}
		}
		for _, c := range res.Copies {
			copies = append(copies, c.Student+": "+c.Evidence)
		}
		for _, cell := range []string{strings.Join(failed, " | "), strings.Join(feedback, " | "), strings.Join(res.Review, " | "),
			strings.Join(res.Notes, " | "), strings.Join(res.Warnings, " | "), strings.Join(copies, " | "), res.Error} {
			row = append(row, csvSafe(cell))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe escapes a student-controlled name for a CSV cell: control
// characters escaped, and a leading = + - @ (which a spreadsheet would run
// as a formula) quoted with an apostrophe.
func csvSafe(s string) string {
	s = oneLine(s)
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		s = "'" + s
	}
	return s
}

// report is the JSON document.
type report struct {
	Lab      string        `json:"lab"`
	Title    string        `json:"title,omitempty"`
	MaxScore float64       `json:"max_score"`
	Checks   []reportCheck `json:"checks"`
	Students []Result      `json:"students"`
}

type reportCheck struct {
	ID     string  `json:"id"`
	Kind   string  `json:"kind"`
	Name   string  `json:"name"`
	Points float64 `json:"points"`
}

// WriteJSON writes the lab, its checks and every student's result.
func WriteJSON(w io.Writer, r *Rubric, results []Result) error {
	rep := report{Lab: r.Lab, Title: r.Title, MaxScore: r.MaxScore(), Students: results}
	for _, c := range r.Checks {
		rep.Checks = append(rep.Checks, reportCheck{c.ID, c.Kind, c.Name, c.Points})
	}
	if rep.Students == nil {
		rep.Students = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// gradescope is the autograder's results.json.
type gradescope struct {
	Score            float64          `json:"score"`
	Output           string           `json:"output,omitempty"`
	Tests            []gradescopeTest `json:"tests"`
	Visibility       string           `json:"visibility,omitempty"`
	StdoutVisibility string           `json:"stdout_visibility,omitempty"`
}

// GradescopeOptions are the parts of results.json that are the course's,
// not the grade's: when students see it, and a text that replaces the
// grade's own output. The zero value leaves them to Gradescope.
type GradescopeOptions struct {
	Visibility       string // visible, hidden, after_due_date, after_published
	StdoutVisibility string // the same, for the autograder's own output
	Output           string // replaces the notes and warnings when not ""
}

type gradescopeTest struct {
	Name     string  `json:"name"`
	Score    float64 `json:"score"`
	MaxScore float64 `json:"max_score"`
	Status   string  `json:"status"`
	Output   string  `json:"output,omitempty"`
}

// WriteGradescope writes one student's results.json for Gradescope: a test
// per check with score, max_score and output (why it failed, then the
// rubric's feedback). Copy flags are left out: students see this file.
func WriteGradescope(w io.Writer, res Result) error {
	return WriteGradescopeWith(w, res, GradescopeOptions{})
}

// WriteGradescopeWith is WriteGradescope with the course's options.
func WriteGradescopeWith(w io.Writer, res Result, o GradescopeOptions) error {
	g := gradescope{Score: res.Score, Tests: []gradescopeTest{}, Visibility: o.Visibility, StdoutVisibility: o.StdoutVisibility}
	var out []string
	if res.Error != "" {
		out = append(out, "The capture "+res.File+" could not be read: "+res.Error)
	}
	for _, n := range res.Notes {
		out = append(out, "Note: "+n)
	}
	for _, n := range res.Warnings {
		out = append(out, "Warning: "+n)
	}
	g.Output = strings.Join(out, "\n")
	if o.Output != "" {
		g.Output = o.Output
	}
	for _, c := range res.Checks {
		t := gradescopeTest{Name: c.ID, Score: c.Points, MaxScore: c.Max, Status: "passed"}
		if c.Name != "" {
			t.Name += ": " + c.Name
		}
		if !c.Passed {
			t.Status = "failed"
			t.Output = c.Message
			if c.Feedback != "" {
				t.Output += "\n" + c.Feedback
			}
		}
		g.Tests = append(g.Tests, t)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(g)
}

// WriteAutolab writes the line Autolab reads as the score of one
// submission, {"scores": {"check-id": points, ...}}, check ids in rubric
// order.
func WriteAutolab(w io.Writer, res Result) error {
	var b strings.Builder
	b.WriteString(`{"scores": {`)
	for i, c := range res.Checks {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(c.ID)
		b.Write(k)
		b.WriteString(": ")
		b.WriteString(score(c.Points))
	}
	b.WriteString("}}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
