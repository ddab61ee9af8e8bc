package draw

import (
	"io"
	"strconv"
	"strings"
	"time"
)

// mermaidEscape writes s for a Mermaid message, name or note: every
// character that Mermaid's grammar gives a meaning to (# ; : " < > and the
// like) becomes an entity code (#35;), which Mermaid shows as the
// character; control characters and line breaks become spaces. Colons
// are kept in names and messages, where the grammar allows them.
func mermaidEscape(s string) string { return mermaidText(s, true) }

// mermaidText escapes s, and colons too unless colon is true (a gantt
// task's name ends at a colon).
func mermaidText(s string, colon bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r >= 0x80,
			r == ' ', r == '.', r == '_', r == '(', r == ')', r == '[', r == ']', r == '/', r == '\'', r == '!', r == '?', r == '=', r == '@', r == '*', r == '+', r == ',', r == '-', r == '~', r == ':' && colon:
			b.WriteRune(r)
		default:
			b.WriteString("#" + strconv.Itoa(int(r)) + ";")
		}
	}
	return b.String()
}

// WriteLadderMermaid writes the ladder as a Mermaid sequenceDiagram, to
// paste into Markdown. Problem frames end in a cross (-x) and are noted.
func WriteLadderMermaid(w io.Writer, d *Diagram) error {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	b.WriteString("    %% ladder of " + strings.NewReplacer("\n", " ", "\r", " ").Replace(d.Title) + ": " + d.counts(len(d.Arrows)) + "\n")
	for i, e := range d.Endpoints {
		b.WriteString("    participant e" + strconv.Itoa(i) + " as " + mermaidEscape(e.Name) + "\n")
	}
	all := ""
	if n := len(d.Endpoints); n > 0 {
		all = "e0"
		if n > 1 {
			all += ",e" + strconv.Itoa(n-1)
		}
	}
	for _, a := range d.Arrows {
		if a.Idle > 0 {
			b.WriteString("    Note over " + all + ": " + mermaidEscape("~ "+idleNote(a.Idle)+" ~") + "\n")
		}
		arrow := "->>"
		if a.Problems != 0 {
			arrow = "-x"
		}
		label := "[" + strconv.Itoa(a.Frame) + "] " + seconds(a.At) + " " + fit(a.Label, maxLabel)
		if a.Problems != 0 {
			label = "(!) " + label
		}
		b.WriteString("    e" + strconv.Itoa(a.From) + arrow + "e" + strconv.Itoa(a.To) + ": " + mermaidEscape(label) + "\n")
	}
	if s := d.cutNote(); s != "" && all != "" {
		b.WriteString("    Note over " + all + ": " + mermaidEscape(s) + "\n")
	}
	if d.Problems != 0 && all != "" {
		b.WriteString("    Note over " + all + ": " + mermaidEscape("(!) problem, arrow ending in x: "+strings.Join(d.Problems.Names(), "; ")) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTimelineMermaid writes the timeline as a Mermaid gantt chart: one
// section per conversation, a task for the connection and one for the
// wait between request and echo, in milliseconds since the first frame.
func WriteTimelineMermaid(w io.Writer, d *Diagram) error {
	var b strings.Builder
	b.WriteString("gantt\n")
	b.WriteString("    title " + mermaidEscape("timeline of "+d.Title) + "\n")
	b.WriteString("    dateFormat x\n    axisFormat %S.%L s\n")
	end := d.end()
	ms := func(t time.Duration) string { return strconv.FormatInt(int64(clampTime(t, end)/time.Millisecond), 10) }
	msRaw := func(t time.Duration) string { return strconv.FormatInt(int64(t/time.Millisecond), 10) }
	// A task needs a length: one that starts and ends in the same
	// millisecond lasts one.
	until := func(a, z time.Duration) string {
		a, z = clampTime(a, end), clampTime(z, end)
		if z/time.Millisecond <= a/time.Millisecond {
			z = a + time.Millisecond
		}
		return msRaw(z)
	}
	for i := range d.Rows {
		r := &d.Rows[i]
		b.WriteString("    section " + mermaidEscape(r.name("to")) + "\n")
		status := ""
		if r.Problems != 0 {
			status = "crit, "
		}
		b.WriteString("    " + mermaidText(plural(r.Frames, "frame"), false) + " :" + status + "c" + strconv.Itoa(i) + ", " + ms(r.First) + ", " + until(r.First, r.Last) + "\n")
		if r.HasRequest && r.HasEcho {
			b.WriteString("    " + mermaidText("request to echo "+span(r.Delay()), false) + " :active, " + ms(r.Request) + ", " + until(r.Request, r.Echo) + "\n")
		} else {
			b.WriteString("    " + mermaidText(r.note(), false) + " :milestone, " + ms(r.Last) + ", " + until(r.Last, r.Last) + "\n")
		}
	}
	if s := d.rowsCutNote(); s != "" {
		b.WriteString("    %% " + s + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
