package grade

import (
	"encoding/csv"
	"io"
	"strings"
	"time"

	"github.com/turtle-sniffer/turtle/internal/termsafe"
)

// WriteMoodle writes Moodle's grading worksheet (Assignment → Download
// grading worksheet, then Upload grading worksheet): Identifier
// ("Participant ID", the id in the export's folder names or the roster),
// Full name, Grade, Maximum Grade, Last modified (grade) and Feedback
// comments. Students without an id are left out: Moodle could not match
// them (they are listed in the returned names).
//
// Last modified (grade) is modified, the time of grading, as
// "2026-01-05 09:00:00 UTC" (PHP's strtotime, which the importer
// assignfeedback_offline uses, reads it): the importer skips every row
// whose grade in Moodle was modified after the worksheet says, so an empty
// column (time 0) made a re-upload skip every student already graded unless
// "Allow updating records that have been modified more recently in Moodle
// than in the spreadsheet" was ticked.
func WriteMoodle(w io.Writer, r *Rubric, results []Result, modified time.Time) (skipped []string, err error) {
	when := modified.UTC().Format("2006-01-02 15:04:05") + " UTC"
	cw := csv.NewWriter(w)
	cw.Write([]string{"Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
		"Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"})
	for _, res := range results {
		if res.ID == "" {
			skipped = append(skipped, res.Student)
			continue
		}
		cw.Write([]string{"Participant " + res.ID, csvSafe(res.Student), "", "", score(res.Score), score(res.Max),
			"Yes", "", when, feedbackText(res, " ")})
	}
	cw.Flush()
	return skipped, cw.Error()
}

// WriteCanvas writes a Canvas gradebook CSV to import (Grades → Import):
// Student, ID (the Canvas user id from the export's file names or the
// roster), SIS User ID, SIS Login ID, Section, then one column for the
// assignment, named as in Canvas ("Lab 3 (1234)"; the lab's title when
// assignment is ""), and a "Points Possible" row. Students without an id
// are left out and returned.
func WriteCanvas(w io.Writer, r *Rubric, results []Result, assignment string) (skipped []string, err error) {
	assignment = canvasColumn(r, assignment)
	cw := csv.NewWriter(w)
	cw.Write([]string{"Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment})
	cw.Write([]string{"    Points Possible", "", "", "", "", score(r.MaxScore())})
	for _, res := range results {
		if res.ID == "" {
			skipped = append(skipped, res.Student)
			continue
		}
		cw.Write([]string{csvSafe(res.Student), res.ID, "", "", "", score(res.Score)})
	}
	cw.Flush()
	return skipped, cw.Error()
}

// feedbackText is a student's feedback on one line: each failed check
// with why and the rubric's advice.
func feedbackText(res Result, sep string) string {
	var parts []string
	if res.Error != "" {
		parts = append(parts, "Your capture could not be graded: "+oneLine(res.Error)+".")
	}
	for _, c := range res.Failed() {
		if res.Error != "" {
			break
		}
		p := c.Name
		if p == "" {
			p = c.ID
		}
		p += " (" + score(c.Points) + "/" + score(c.Max) + "): " + oneLine(c.Message) + "."
		if c.Feedback != "" {
			p += " " + oneLine(c.Feedback)
		}
		parts = append(parts, p)
	}
	for _, n := range res.Notes {
		parts = append(parts, "Note: "+oneLine(n)+".")
	}
	if len(parts) == 0 {
		return "All checks passed."
	}
	return strings.Join(parts, sep)
}

// WriteFeedback writes one student's feedback file (Markdown that reads as
// plain text): the score, each check passed or failed with why, the
// rubric's advice, and notes. Copy flags and review reasons are for the
// instructor and left out.
func WriteFeedback(w io.Writer, r *Rubric, res Result) error {
	var b strings.Builder
	title := r.Lab
	if r.Title != "" {
		title = r.Title
	}
	b.WriteString("# " + oneLine(title) + ": " + termsafe.Quote(res.Student) + "\n\n")
	b.WriteString("Score: " + score(res.Score) + " / " + score(res.Max) + "\n\n")
	if res.File != "" {
		b.WriteString("Capture graded: " + termsafe.Quote(res.File) + "\n\n")
	}
	if res.Error != "" {
		b.WriteString("Your capture could not be graded: " + oneLine(res.Error) + ".\n")
	} else {
		for _, c := range res.Checks {
			name := c.Name
			if name == "" {
				name = c.ID
			}
			mark := "passed"
			if !c.Passed {
				mark = "failed"
			}
			b.WriteString("- " + oneLine(name) + ": " + mark + " (" + score(c.Points) + "/" + score(c.Max) + ")\n")
			if !c.Passed {
				b.WriteString("  - Why: " + oneLine(c.Message) + "\n")
				if c.Feedback != "" {
					b.WriteString("  - Advice: " + oneLine(c.Feedback) + "\n")
				}
			}
		}
	}
	if len(res.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range res.Notes {
			b.WriteString("- " + oneLine(n) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
