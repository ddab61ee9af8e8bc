package draw

import (
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// glyphs are the characters of a text picture.
type glyphs struct {
	life, gap, line, heavy, cross, right, left, self string
	barStart, barEnd, bar, wait, req, echo, dot      string
	to                                               string
}

var unicodeGlyphs = glyphs{life: "│", gap: "┊", line: "─", heavy: "━", cross: "┼", right: "▶", left: "◀", self: "↺",
	barStart: "├", barEnd: "┤", bar: "─", wait: "━", req: "●", echo: "◆", dot: "│", to: "→"}

var asciiGlyphs = glyphs{life: "|", gap: ":", line: "-", heavy: "=", cross: "+", right: ">", left: "<", self: "@",
	barStart: "|", barEnd: "|", bar: "-", wait: "=", req: "o", echo: "*", dot: "|", to: "->"}

// fit shortens s to at most n characters, ending it with "...".
func fit(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 3 {
		return s[:max(n, 0)]
	}
	return s[:n-3] + "..."
}

// ladderLayout is what every format of the ladder needs to know about the
// widths of its parts, in characters.
type ladderLayout struct {
	frameW, timeW int // widths of the frame number and time columns
	nameW, labelW int // longest endpoint name, longest label (after fit)
}

func (d *Diagram) ladderLayout() ladderLayout {
	l := ladderLayout{frameW: 5, timeW: 8}
	for _, e := range d.Endpoints {
		l.nameW = max(l.nameW, len(e.Name))
	}
	for _, a := range d.Arrows {
		l.frameW = max(l.frameW, len(strconv.Itoa(a.Frame)))
		l.timeW = max(l.timeW, len(seconds(a.At)))
		l.labelW = max(l.labelW, len(fit(a.Label, maxLabel)))
	}
	return l
}

// counts is the line under a picture's title: what was drawn of what.
// drawn is the arrows of a ladder, or the frames a timeline's rows hold.
func (d *Diagram) counts(drawn int) string {
	s := plural(d.Frames, "frame") + " read, " + strconv.Itoa(drawn) + " drawn"
	if n := d.Frames - d.Drawn; n > 0 {
		s += " (" + strconv.Itoa(n) + " not IP, or not of the chosen stream or ports)"
	}
	return s
}

// cutNote states what --max-frames left out, or "".
func (d *Diagram) cutNote() string {
	if d.Omitted == 0 {
		return ""
	}
	return plural(d.Omitted, "more frame") + " not drawn: at most " + strconv.Itoa(d.MaxFrames) + " arrows (--max-frames)"
}

func (d *Diagram) rowsCutNote() string {
	if d.RowsOmitted == 0 {
		return ""
	}
	return plural(d.RowsOmitted, "more conversation") + " not drawn: at most " + strconv.Itoa(d.MaxFrames) + " rows (--max-frames)"
}

func plural(n int, what string) string {
	s := strconv.Itoa(n) + " " + what
	if n != 1 {
		s += "s"
	}
	return s
}

// idleNote is the break mark's words.
func idleNote(d time.Duration) string { return span(d) + " idle" }

// WriteLadderText draws the ladder for a terminal: Unicode box drawing,
// or plain ASCII. Problem frames are drawn with a heavy line and marked
// "!" on the left.
func WriteLadderText(w io.Writer, d *Diagram, ascii bool) error {
	g := unicodeGlyphs
	if ascii {
		g = asciiGlyphs
	}
	l := d.ladderLayout()
	left := l.frameW + 2 + l.timeW + 3
	spacing := max(l.labelW+6, l.nameW+3, 14)
	n := len(d.Endpoints)
	x := func(i int) int { return left + spacing/2 + i*spacing }
	width := left + n*spacing

	var b strings.Builder
	b.WriteString("ladder of " + d.Title + ": " + d.counts(len(d.Arrows)) + "\n\n")
	if n == 0 {
		b.WriteString("(nothing to draw)\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	row := make([]string, width)
	clear := func(life string) {
		for i := range row {
			row[i] = " "
		}
		for i := range n {
			row[x(i)] = life
		}
	}
	put := func(at int, s string) {
		for i := 0; i < len(s) && at+i < width; i++ {
			if at+i >= 0 {
				row[at+i] = s[i : i+1]
			}
		}
	}
	flush := func() {
		b.WriteString(strings.TrimRight(strings.Join(row, ""), " ") + "\n")
	}
	// Names, centred on their lifelines; servers are on the right.
	clear(" ")
	for i, e := range d.Endpoints {
		put(x(i)-len(e.Name)/2, e.Name)
	}
	flush()
	clear(g.life)
	put(0, pad("frame", l.frameW)+"  time")
	flush()
	for _, a := range d.Arrows {
		if a.Idle > 0 {
			clear(g.gap)
			put(l.frameW-2, "~ "+idleNote(a.Idle)+" ~")
			flush()
		}
		clear(g.life)
		put(0, pad(strconv.Itoa(a.Frame), l.frameW)+"  "+seconds(a.At))
		if a.Problems != 0 {
			put(left-2, "!")
		}
		lo, hi := min(a.From, a.To), max(a.From, a.To)
		label := fit(a.Label, maxLabel)
		if lo == hi {
			row[x(lo)+1] = g.self
			put(x(lo)+3, label)
			flush()
			continue
		}
		line := g.line
		if a.Problems != 0 {
			line = g.heavy
		}
		for i := x(lo) + 1; i < x(hi); i++ {
			row[i] = line
		}
		for i := lo + 1; i < hi; i++ {
			row[x(i)] = g.cross
		}
		if a.To > a.From {
			row[x(hi)-1] = g.right
		} else {
			row[x(lo)+1] = g.left
		}
		room := x(hi) - x(lo) - 5
		label = fit(label, room)
		start := x(lo) + (x(hi)-x(lo)-len(label))/2
		put(start-1, " "+label+" ")
		flush()
	}
	b.WriteString("\n")
	if s := d.cutNote(); s != "" {
		b.WriteString(s + "\n")
	}
	if d.Problems != 0 {
		b.WriteString("! problem, drawn " + g.heavy + g.heavy + g.heavy + ": " + strings.Join(d.Problems.Names(), "; ") + "\n")
	}
	if d.OtherColumn {
		b.WriteString("endpoints after the first " + strconv.Itoa(maxColumns) + " share the last column\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat(" ", n-len(s)) + s
}

// rowName names a timeline row.
func (r *Row) name(to string) string {
	return r.Proto + " " + r.Client + " " + to + " " + r.Server
}

// rowNote is what a timeline row says after its bar.
func (r *Row) note() string {
	s := ""
	switch {
	case r.HasEcho:
		s = "echo after " + span(r.Delay())
	case r.HasRequest:
		s = "no echo"
	default:
		s = "no data"
	}
	if r.Problems != 0 {
		s += " (! " + strings.Join(r.Problems.Names(), "; ") + ")"
	}
	return s
}

// end is the time the last row ends, the timeline's scale.
func (d *Diagram) end() time.Duration {
	var end time.Duration
	for _, r := range d.Rows {
		end = max(end, r.Last)
	}
	return end
}

// timelineBar is the bar's width in characters.
const timelineBar = 50

// WriteTimelineText draws the timeline for a terminal: one row per
// connection or exchange, a bar from its first to its last frame, the
// request and the echo marked, the delay written after it.
func WriteTimelineText(w io.Writer, d *Diagram, ascii bool) error {
	g := unicodeGlyphs
	if ascii {
		g = asciiGlyphs
	}
	var b strings.Builder
	b.WriteString("timeline of " + d.Title + ": " + plural(len(d.Rows)+d.RowsOmitted, "conversation") + ", " + d.counts(d.Drawn) + "\n\n")
	if len(d.Rows) == 0 {
		b.WriteString("(no TCP connection, UDP exchange or ping to draw)\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	nameW := 0
	for i := range d.Rows {
		nameW = max(nameW, len(d.Rows[i].name(g.to)))
	}
	end := d.end()
	pos := func(t time.Duration) int {
		t = clampTime(t, end) // a capture's timestamps may go backwards
		if end <= 0 {
			return 0
		}
		return scale(t, end, timelineBar-1)
	}
	endText := seconds(end) + " s"
	b.WriteString(strings.Repeat(" ", nameW+2) + "0 s" + strings.Repeat(" ", max(timelineBar-3-len(endText), 1)) + endText + "\n")
	for i := range d.Rows {
		r := &d.Rows[i]
		cells := make([]string, timelineBar)
		for j := range cells {
			cells[j] = " "
		}
		f, l := pos(r.First), pos(r.Last)
		for j := f; j <= l; j++ {
			cells[j] = g.bar
		}
		if r.HasRequest && r.HasEcho {
			for j := pos(r.Request); j <= pos(r.Echo); j++ {
				cells[j] = g.wait
			}
		}
		cells[f], cells[l] = g.barStart, g.barEnd
		if f == l {
			cells[f] = g.dot
		}
		if r.HasRequest {
			cells[pos(r.Request)] = g.req
		}
		if r.HasEcho {
			cells[pos(r.Echo)] = g.echo
		}
		name := r.name(g.to)
		b.WriteString(name + strings.Repeat(" ", nameW-len(name)+2) + strings.Join(cells, "") + "  " + r.note() + "\n")
	}
	b.WriteString("\n" + g.req + " request  " + g.echo + " echo  " + g.wait + g.wait + " waiting for the echo\n")
	if s := d.rowsCutNote(); s != "" {
		b.WriteString(s + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// clampTime keeps t within [0, end]: frames stamped before the capture's
// first one (timestamps do go backwards) are drawn at its start.
func clampTime(t, end time.Duration) time.Duration {
	return min(max(t, 0), max(end, 0))
}

// scale maps t in [0, end] to [0, n], rounded; in floating point, since
// t*n overflows for captures that span decades (timestamps 0 and 2010).
func scale(t, end time.Duration, n int) int {
	return int(math.Round(float64(t) / float64(end) * float64(n)))
}
