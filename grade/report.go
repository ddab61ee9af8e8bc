package grade

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints one row per student: score and failed checks, each
// with why, then notes, warnings and possible copies on the lines below.
func WriteTable(w io.Writer, r *Rubric, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	title := r.Lab
	if r.Title != "" {
		title += ": " + r.Title
	}
	io.WriteString(tw, "lab "+title+" ("+plural(len(r.Checks), "check")+", "+score(r.MaxScore())+" points)\n\n")
	io.WriteString(tw, "STUDENT\tSCORE\tFAILED CHECKS\n")
	for _, res := range results {
		var lines []string
		if res.Error != "" {
			lines = append(lines, "error: "+res.Error)
		} else {
			for _, c := range res.Failed() {
				lines = append(lines, c.ID+" "+score(c.Points)+"/"+score(c.Max)+": "+c.Message)
			}
		}
		for _, n := range res.Notes {
			lines = append(lines, "note: "+n)
		}
		for _, n := range res.Warnings {
			lines = append(lines, "warning: "+n)
		}
		for _, c := range res.Copies {
			lines = append(lines, "copy? "+c.Student+"'s capture ("+c.File+"): "+c.Evidence)
		}
		if len(lines) == 0 {
			lines = []string{"-"}
		}
		for i, l := range lines {
			if i == 0 {
				io.WriteString(tw, tabSafe(res.Student)+"\t"+score(res.Score)+"/"+score(res.Max)+"\t"+tabSafe(l)+"\n")
			} else {
				io.WriteString(tw, "\t\t"+tabSafe(l)+"\n")
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var pairs []string
	for _, res := range results {
		for _, c := range res.Copies {
			if res.Student < c.Student {
				pairs = append(pairs, "  "+res.Student+" and "+c.Student+": "+c.Evidence+"\n")
			}
		}
	}
	if len(pairs) > 0 {
		_, err := io.WriteString(w, "\npossible copies (identical frames, or identical MAC addresses and timestamps):\n"+
			strings.Join(pairs, ""))
		return err
	}
	return nil
}

// tabSafe keeps a name or message on its table cell.
func tabSafe(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
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
	head = append(head, "failed", "notes", "warnings", "copies", "error")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, res := range results {
		row := []string{res.Student, res.File, score(res.Score), score(res.Max)}
		for _, c := range res.Checks {
			row = append(row, score(c.Points))
		}
		var failed, copies []string
		if res.Error == "" {
			for _, c := range res.Failed() {
				failed = append(failed, c.ID+": "+c.Message)
			}
		}
		for _, c := range res.Copies {
			copies = append(copies, c.Student+": "+c.Evidence)
		}
		row = append(row, strings.Join(failed, " | "), strings.Join(res.Notes, " | "),
			strings.Join(res.Warnings, " | "), strings.Join(copies, " | "), res.Error)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
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
	Score  float64          `json:"score"`
	Output string           `json:"output,omitempty"`
	Tests  []gradescopeTest `json:"tests"`
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
	g := gradescope{Score: res.Score, Tests: []gradescopeTest{}}
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
